"""The bulletin pages, under /bulletins/: the archive and a week (views.py), the delivery log (delivery_views.py),
the review meetings and their 督办 items (meeting_views.py) — one namespace, each part's list in its own module."""

from zhili.bulletins import delivery_urls, meeting_urls, page_urls

app_name = "bulletins"

urlpatterns = page_urls.urlpatterns + delivery_urls.urlpatterns + meeting_urls.urlpatterns
