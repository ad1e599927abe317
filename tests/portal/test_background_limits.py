"""Every task has a queue of its kind and soft and hard time limits (portal/background.py)."""

import pytest

from portal import background
from portal.celery import app


def our_tasks() -> dict:
    app.loader.import_default_modules()  # autodiscovery: every app's tasks module
    return {name: task for name, task in app.tasks.items() if not name.startswith("celery.")}


def test_every_registered_task_has_soft_and_hard_time_limits():
    tasks = our_tasks()
    assert tasks, "no task registered"
    for name, task in tasks.items():
        assert name in background.TASKS, f"{name}: add it to portal/background.py"
        limits = background.TASKS[name]
        # The task's own limits, not only the app-wide backstop (CELERY_TASK_*TIME_LIMIT in settings).
        assert (task.soft_time_limit, task.time_limit) == (limits.soft, limits.hard), name
        assert 0 < task.soft_time_limit < task.time_limit, name


def test_every_task_is_routed_to_the_queue_of_its_kind():
    router = app.amqp.router
    for name in our_tasks():
        assert router.route({}, name)["queue"].name == background.TASKS[name].queue
    assert background.TASKS["nominations.tasks.send_vote_email"].queue == background.MAIL
    assert background.TASKS["certification.tasks.send_firm_invitation"].queue == background.MAIL
    assert background.TASKS["nominations.tasks.process_votes"].queue == background.TALLIES
    assert background.TASKS["certification.tasks.generate_certificate_files"].queue == background.FILES


def test_no_running_task_is_delivered_twice():
    from django.conf import settings

    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] > background.LONGEST_HARD_LIMIT


@pytest.mark.parametrize("name", sorted(background.TASKS))
def test_the_table_names_only_registered_tasks(name):
    assert name in our_tasks()
