"""The guard against bulk writes that bypass the audit covers every model registered with auditlog, and a system check
fails when a registered model lacks it."""
import pytest
from auditlog.registry import auditlog
from django.core.checks import run_checks

from audit.checks import models_without_bulk_guard
from audit.models import UnauditedBulkWrite

AUDITED = sorted(auditlog.get_models(), key=lambda model: model._meta.label)


def test_every_audited_model_has_the_guard_and_the_check_is_clean():
    assert {m._meta.label for m in AUDITED} >= {"access.Department", "access.User", "access.Authorisation",
                                               "signals.Signal", "signals.Category", "signals.Notification",
                                               "dashboards.Dashboard"}
    assert models_without_bulk_guard(AUDITED) == []
    assert "audit.E003" not in [message.id for message in run_checks()]


def test_the_check_names_a_registered_model_without_the_guard():
    from signals.models import SearchTally  # a plain model (not registered: a counter, not business data)

    assert models_without_bulk_guard([*AUDITED, SearchTally]) == [SearchTally]


@pytest.mark.django_db
@pytest.mark.parametrize("model", AUDITED, ids=lambda m: m._meta.label)
def test_bulk_writes_of_every_audited_model_are_refused(model):
    excluded = set(auditlog.get_model_fields(model)["exclude_fields"])
    any_field = next(f.name for f in model._meta.concrete_fields
                     if not f.primary_key and f.editable and f.name not in excluded)
    with pytest.raises(UnauditedBulkWrite):
        model._default_manager.all().update(**{any_field: None})
    with pytest.raises(UnauditedBulkWrite):
        model._default_manager.all().delete()
    with pytest.raises(UnauditedBulkWrite):
        model._default_manager.bulk_create([])


@pytest.mark.django_db
def test_an_update_of_fields_auditlog_leaves_out_is_allowed():
    """Bookkeeping the audit does not record anyway (the user's permission cache key) may be written in bulk."""
    from access.models import User
    from tests.factories import make_user

    user = make_user("ana")
    assert User.objects.filter(pk=user.pk).update(permissions_version="x1") == 1
    with pytest.raises(UnauditedBulkWrite):
        User.objects.filter(pk=user.pk).update(permissions_version="x2", first_name="Anna")
