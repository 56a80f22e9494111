from zhili.core import clock
from zhili.targets.models import FigureSet, StaleMark


def test_debug(world):
    print("TODAY", clock.today())
    for fs in FigureSet.objects.all():
        print("SET", fs.region_id, fs.year, fs.until, fs.built_at, fs.fingerprint[:12], fs.marks.count())
    print("MARKS", list(StaleMark.objects.values_list("path", flat=True)[:20]))
