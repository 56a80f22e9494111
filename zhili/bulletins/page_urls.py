"""page pages of the bulletins app (included by urls.py)."""

urlpatterns: list = []
