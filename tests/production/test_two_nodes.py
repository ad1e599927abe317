"""Two web nodes behind the one proxy, on one PostgreSQL, Redis and file storage.

Votes, confirmations, admin work and a firm's downloads are spread over both nodes
(nginx's round robin, and requests straight to each node); the tallies are exact, every
voter gets one mail, a session works on both, and the files of a certificate issued
on one node download from the other. Each node has a local folder of its own: the files
go through the object store (S3 API, moto's server), as they do with web nodes on
several hosts.
"""

import email
import json
import re
from datetime import timedelta
from email.message import Message

import altcha
import pytest
from django.utils import timezone

from certification.models import Certificate
from nominations.models import Tally, Vote
from tests.certification.conftest import make_candidate
from tests.factories import CategoryFactory, EditionFactory, NomineeFactory, UserFactory
from tests.production import stack

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a-long-staff-password-2026"
FIRM_PASSWORD = "a-long-firm-password-2026"


@pytest.fixture(scope="module")
def cluster(production_env, s3_server, tmp_path_factory):
    """Two nodes, each with a local folder of its own: what they share is the S3 bucket (moto's server)."""
    folder = tmp_path_factory.mktemp("two-nodes")
    shared = {**production_env, **s3_server.environment(s3_server.new_bucket())}
    nodes = []
    try:
        nodes = [
            stack.start_gunicorn({**shared, "MEDIA_ROOT": str(folder / f"media{i}")}, folder, f"web{i}") for i in (1, 2)
        ]
        proxy = stack.start_nginx(folder / "nginx", [node.port for node in nodes])
    except BaseException:
        for node in nodes:
            node.stop()
        raise
    yield proxy, nodes
    proxy.stop()
    for node in nodes:
        node.stop()


def mails(mail_sink, since: int) -> list[Message]:
    return [email.message_from_bytes(raw) for raw in mail_sink.messages[since:]]


def body(message: Message) -> str:
    part = next(p for p in message.walk() if p.get_content_type() == "text/plain")
    return part.get_payload(decode=True).decode()


def link(message: Message, pattern: str) -> str:
    match = re.search(r"https?://[^/\s]+(/\S*" + pattern + r"\S*)", body(message))
    assert match, body(message)
    return match.group(1)


def solved_as_a_browser(browser: stack.Browser, edition_slug: str, page: str) -> dict[str, str]:
    """The form's proof of work, as the widget does it: fetch a challenge from the site, solve it."""
    issued = altcha.Challenge.from_dict(json.loads(browser.get(f"/en/e/{edition_slug}/challenge/").body))
    solution = altcha.solve_challenge(issued)
    assert solution is not None
    opened = re.search(r'name="form_opened" value="([^"]+)"', page).group(1)
    return {"altcha": altcha.Payload(issued, solution).to_base64(), "form_opened": opened}


def served(node: stack.Gunicorn, marker: str) -> int:
    return node.output().count(marker)


def test_votes_and_confirmations_over_both_nodes_count_exactly_once(cluster, mail_sink):
    proxy, nodes = cluster
    edition = EditionFactory()
    category = CategoryFactory(edition=edition)
    first, second = NomineeFactory(category=category), NomineeFactory(category=category)
    choices = [first, second, first, first, second, first]
    before = len(mail_sink.messages)
    for number, nominee in enumerate(choices):
        # One voter per network, as real voters are (the network fraud rule stays quiet).
        voter = stack.Browser(proxy.https_port, source=f"127.0.{10 + number}.1")
        path = f"/en/e/{edition.slug}/c/{category.slug}/"
        page = voter.get(path).text()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        reply = voter.post(
            path,
            {
                **solved_as_a_browser(voter, edition.slug, page),
                "csrfmiddlewaretoken": token,
                "nominee": nominee.pk,
                "email": f"voter{number}@example.org",
                "consent": "on",
                "homepage": "",
            },
        )
        assert reply.status == 302, reply.text()[:2000]
    sent = mails(mail_sink, before)
    recipients = sorted(message["To"] for message in sent)
    assert recipients == sorted(f"voter{n}@example.org" for n in range(len(choices)))  # one mail each, none twice
    for number, message in enumerate(sent):
        confirmer = stack.Browser(proxy.https_port, source=f"127.0.{10 + number}.1")
        reply = confirmer.get(link(message, "/vote/confirm/"))
        assert reply.status in {200, 302}
        confirm_form = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', reply.text())
        if confirm_form:  # the link opens a page whose button confirms (mail scanners only GET)
            confirmer.post(link(message, "/vote/confirm/"), {"csrfmiddlewaretoken": confirm_form.group(1)})
    assert Vote.objects.filter(confirmed_at__isnull=False).count() == len(choices)
    # Both nodes took votes and confirmations.
    assert all(served(node, "/vote/confirm/[redacted]/") >= 1 for node in nodes)
    tallies = {t.nominee_id: t.counted + t.held for t in Tally.objects.filter(category=category)}
    assert tallies == {first.pk: 4, second.pk: 2}
    # The receipts after confirming: again exactly one per voter.
    receipts = sorted(message["To"] for message in mails(mail_sink, before + len(choices)))
    assert receipts in ([], recipients)


def test_an_admin_session_works_on_both_nodes_and_a_certificate_issued_on_one_downloads_from_the_other(
    cluster, mail_sink
):
    proxy, (one, two) = cluster
    # A superuser: the role groups come from a migration, which a transactional test's flush removes.
    manager = UserFactory(username="maria", is_superuser=True)
    manager.set_password(PASSWORD)
    manager.save()
    now = timezone.now()
    edition = EditionFactory(  # voting closed, tally final, results released (tests/certification/conftest.py)
        nomination_opens_at=now - timedelta(days=40),
        nomination_closes_at=now - timedelta(days=30),
        voting_opens_at=now - timedelta(days=30),
        voting_closes_at=now - timedelta(days=1),
        results_date=(now + timedelta(days=5)).date(),
        final_tally_at=now - timedelta(hours=20),
        results_released_at=now - timedelta(hours=19),
    )
    banking = CategoryFactory(edition=edition, slug="banking")
    winner = make_candidate(banking, votes=120, score=4, name="Łódź Mleczarnia", contact_email="biuro@lodz.example")

    admin = stack.Browser(proxy.https_port, source="127.0.50.1")
    token = admin.csrf_token("/admin/login/")
    signed_in = admin.post(
        "/admin/login/", {"csrfmiddlewaretoken": token, "username": "maria", "password": PASSWORD, "next": "/admin/"}
    )
    assert signed_in.status == 302
    on_one = stack.Browser(one.port, cookies=dict(admin.cookies), direct=True, source="127.0.50.1")
    on_two = stack.Browser(two.port, cookies=dict(admin.cookies), direct=True, source="127.0.50.1")
    assert on_one.get("/admin/").status == 200
    assert on_two.get("/admin/").status == 200

    before = len(mail_sink.messages)
    winners = f"/admin/certification/certificate/winners/{edition.pk}/"
    token = on_one.csrf_token(winners)
    issued = on_one.post(winners, {"csrfmiddlewaretoken": token, "nominee": winner.pk})
    assert issued.status == 302
    certificate = Certificate.objects.get(nominee=winner)
    invitation = link(next(m for m in mails(mail_sink, before) if "lodz.example" in m["To"]), "/firm/invitation/")

    firm = stack.Browser(two.port, direct=True, source="127.0.60.1")
    token = firm.csrf_token(invitation)
    assert (
        firm.post(
            invitation, {"csrfmiddlewaretoken": token, "new_password1": FIRM_PASSWORD, "new_password2": FIRM_PASSWORD}
        ).status
        == 302
    )
    token = firm.csrf_token("/en/firm/login/")
    assert (
        firm.post(
            "/en/firm/login/",
            {"csrfmiddlewaretoken": token, "username": "biuro@lodz.example", "password": FIRM_PASSWORD},
        ).status
        == 302
    )
    token = firm.csrf_token("/en/firm/")  # the dashboard holds the terms form
    assert firm.post("/en/firm/terms/", {"csrfmiddlewaretoken": token, "accept": "yes"}).status == 302
    downloads = []
    for node in (one, two):
        at_node = stack.Browser(node.port, cookies=dict(firm.cookies), direct=True, source="127.0.60.1")
        reply = at_node.get(f"/en/firm/files/{certificate.download_key}/pdf/")
        assert reply.status == 200, (node.port, reply.status)
        downloads.append(reply.body)
    assert downloads[0] == downloads[1] and downloads[0].startswith(b"%PDF")
