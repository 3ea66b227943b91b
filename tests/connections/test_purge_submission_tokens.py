from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from faraday_admin.connections.models import SubmissionToken

pytestmark = pytest.mark.django_db


def test_purge_deletes_only_tokens_older_than_the_cutoff(django_user_model):
    user = django_user_model.objects.create_user("onboarder")
    old = SubmissionToken.objects.create(user=user)
    fresh = SubmissionToken.objects.create(user=user)
    SubmissionToken.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=8))
    out = StringIO()

    call_command("purge_submission_tokens", stdout=out)

    assert list(SubmissionToken.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert "Deleted 1 form token" in out.getvalue()
