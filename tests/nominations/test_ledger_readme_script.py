"""The README's recount script, run as a reader would: on the downloaded CSV only, with Python's standard library."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from nominations.models import ReleasedCategory, ReleasedFigure

pytestmark = pytest.mark.django_db

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_script() -> str:
    text = README.read_text()
    marker = text.index("<!-- recount.py")
    return re.search(r"```python\n(.*?)```", text[marker:], re.S).group(1)


def test_the_readme_script_recounts_the_published_totals_and_digests(released, client, tmp_path):
    edition, results = released["edition"], released["results"]
    response = client.get(reverse("nominations:ledger_csv", kwargs={"slug": edition.slug}))
    (tmp_path / "ledger.csv").write_bytes(b"".join(response.streaming_content))
    (tmp_path / "recount.py").write_text(readme_script())
    run = subprocess.run(
        [sys.executable, "-I", "recount.py", "ledger.csv"], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    output = run.stdout.splitlines()

    assert f"edition digest {results.digest}" in output
    for released_category in ReleasedCategory.objects.filter(results=results, lines__gt=0).select_related("category"):
        assert f"{released_category.category.slug} digest {released_category.digest}" in output
    for figure in ReleasedFigure.objects.filter(results=results, counted__gt=0).select_related("category"):
        expected = f"{figure.category.slug} nominee {figure.nominee_id}: counted {figure.counted}, held {figure.held}, rejected {figure.rejected}"
        assert expected in output
    assert f"banking nominee {released['banca'].pk}: counted 3, held 0, rejected 1" in output
