from django.urls import path

from . import views

app_name = "nominations"

urlpatterns = [
    # The two hot POSTs first: a URL is matched against the patterns in order (none of these overlap).
    path("e/<slug:slug>/c/<slug:category_slug>/", views.category_vote, name="category"),
    path("vote/confirm/<str:token>/", views.confirm, name="confirm"),
    path("", views.home, name="home"),
    path("receipt/", views.receipt, name="receipt"),
    path("results/", views.results_index, name="results_index"),
    path("methodology/", views.methodology_current, name="methodology_current"),
    path("e/<slug:slug>/", views.edition_detail, name="edition"),
    path("e/<slug:slug>/nominate/", views.nominate, name="nominate"),
    path("e/<slug:slug>/challenge/", views.challenge_for_form, name="challenge"),
    path("e/<slug:slug>/nominate/thanks/", views.nominated, name="nominated"),
    path("e/<slug:slug>/vote/sent/", views.vote_sent, name="vote_sent"),
    path("e/<slug:slug>/methodology/", views.methodology, name="methodology"),
    path("e/<slug:slug>/results/", views.results, name="results"),
    path("e/<slug:slug>/results.json", views.results_json, name="results_json"),
    path("e/<slug:slug>/results/ledger.csv", views.ledger_csv, name="ledger_csv"),
    path("e/<slug:slug>/results/ledger.json", views.ledger_json, name="ledger_json"),
    path("e/<slug:slug>/results/ledger/<slug:category_slug>.csv", views.ledger_csv, name="category_ledger_csv"),
    path("e/<slug:slug>/results/ledger/<slug:category_slug>.json", views.ledger_json, name="category_ledger_json"),
]
