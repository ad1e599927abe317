from django.urls import path

from . import views

app_name = "nominations"

urlpatterns = [
    path("", views.home, name="home"),
    path("receipt/", views.receipt, name="receipt"),
    path("vote/confirm/<str:token>/", views.confirm, name="confirm"),
    path("e/<slug:slug>/", views.edition_detail, name="edition"),
    path("e/<slug:slug>/nominate/", views.nominate, name="nominate"),
    path("e/<slug:slug>/nominate/thanks/", views.nominated, name="nominated"),
    path("e/<slug:slug>/vote/sent/", views.vote_sent, name="vote_sent"),
    path("e/<slug:slug>/results/", views.results, name="results"),
    path("e/<slug:slug>/c/<slug:category_slug>/", views.category_vote, name="category"),
]
