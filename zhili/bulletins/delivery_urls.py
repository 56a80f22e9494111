"""delivery pages of the bulletins app (included by urls.py): the delivery log, a part's resend, a week's send."""

from django.urls import path

from zhili.bulletins import delivery_views

urlpatterns: list = [
    path("deliveries/", delivery_views.deliveries, name="deliveries"),
    path("deliveries/<int:pk>/resend/", delivery_views.resend, name="delivery_resend"),
    path("<str:week>/v<int:version>/send/", delivery_views.send, name="send"),
]
