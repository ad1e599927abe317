import re

from django.core import mail
from django.test import TestCase
from django.urls import reverse

from tests.challenge import solved

LINK = re.compile(r"https?://\S+/vote/confirm/(\S+)/")


def vote(client, nominee, email, **extra):
    url = reverse("nominations:category", kwargs={"slug": nominee.edition.slug, "category_slug": nominee.category.slug})
    meta = _meta(extra)
    # The mail is enqueued on commit; run those callbacks inside the test's transaction.
    with TestCase.captureOnCommitCallbacks(execute=True):
        data = {"nominee": nominee.pk, "email": email, "consent": "on", **solved(nominee.edition), **extra}
        return client.post(url, data, **meta)


def _meta(extra):
    return {k: extra.pop(k) for k in list(extra) if k.isupper()}


def last_token() -> str:
    return LINK.search(mail.outbox[-1].body).group(1)


def confirm(client, token):
    return client.post(reverse("nominations:confirm", kwargs={"token": token}))
