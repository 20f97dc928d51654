"""The search's statements written as plain SQL in signals.selectors give what the querysets they replace give: the hits
(HITS_SQL) the same rows in the same order with the same types, the anti-fishing tally (TALLY_SQL) the same counts, on
the database the suite runs on (CI runs it on SQLite and on PostgreSQL)."""
from datetime import timedelta

from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from signals import selectors
from signals.models import SearchTally, Signal


def _queryset_rows(address, today):
    return list(
        Signal.objects.active(today=today).filter(address_id=address.pk)
        .order_by("department__name", "valid_from", "id").values(*selectors.HIT_FIELDS)
    )


def _change(signal, **values):
    for name, value in values.items():
        setattr(signal, name, value)
    signal.save()


def _typed(rows):
    return [[(key, type(value), value) for key, value in row.items()] for row in rows]


def test_same_rows_as_the_queryset(place, people, addresses):
    today = timezone.localdate()
    place("hh", "th", addresses["a12"], contact_before_acting=True)
    place("sz", "sz", addresses["a12"], notify_on_search=True)
    place("oov", "oov", addresses["a12"])
    place("hh", "th", addresses["a12"])  # a second signal of one department
    _change(place("sz", "sz", addresses["a12"]), valid_from=today - timedelta(days=40),
            valid_until=today - timedelta(days=1))  # past its end: no hit
    _change(place("oov", "oov", addresses["a12"]), status=Signal.Status.CLOSED)
    _change(place("oov", "oov", addresses["a14"]), valid_until=today)  # its last day still counts
    people["oov"].is_active = False  # an officer who left: the department's contact stands in
    people["oov"].save()

    for address in addresses.values():
        for day in (today, today + timedelta(days=400)):
            expected = _queryset_rows(address, day)
            assert _typed(selectors.address_hit_rows(address=address, today=day)) == _typed(expected)
    assert len(selectors.address_hit_rows(address=addresses["a12"])) == 4
    assert len(selectors.address_hit_rows(address=addresses["a14"])) == 1
    assert selectors.address_hit_rows(address=addresses["k3"]) == []
    assert selectors.address_hit_rows(address=addresses["a12"].pk) == selectors.address_hit_rows(
        address=addresses["a12"])


def test_hits_fold_to_one_row_per_department(place, people, addresses):
    place("hh", "th", addresses["a12"])
    place("hh", "th", addresses["a12"])
    place("sz", "sz", addresses["a12"])
    hits = selectors.address_hits(address=addresses["a12"])
    assert [hit.department_name for hit in hits] == sorted(hit.department_name for hit in hits)
    assert len(hits) == 2 and all(hit.since.day == 1 for hit in hits)


def test_tally_counts_the_same_as_the_queryset(people):
    user, other = people["searcher"], people["hh"]
    now = timezone.now().replace(microsecond=250_000)
    offsets = [timedelta(0), timedelta(minutes=59, seconds=59), timedelta(hours=1), timedelta(hours=1, microseconds=1),
               timedelta(hours=5), timedelta(days=1) - timedelta(microseconds=1), timedelta(days=1),
               timedelta(days=1, seconds=1), timedelta(days=3), timedelta(seconds=-30)]
    for k, offset in enumerate(offsets):
        SearchTally.objects.create(user=user, request_id=f"t{k}", occurred_at=now - offset)
        SearchTally.objects.create(user=other, request_id=f"o{k}", occurred_at=now - offset)
    SearchTally.objects.create(user=user, request_id="whole", occurred_at=now.replace(microsecond=0))
    for k, offset in enumerate(offsets[:8]):  # bulk checks: counted by their addresses, apart from searches
        SearchTally.objects.create(user=user, request_id=f"b{k}", occurred_at=now - offset, kind="bulk",
                                   addresses=100 + k)

    for at in (now, now.replace(microsecond=0), now + timedelta(minutes=30), now + timedelta(days=2)):
        expected = SearchTally.objects.filter(user=user, occurred_at__gte=at - timedelta(days=1)).aggregate(
            day=Count("pk", filter=Q(kind="search")),
            hour=Count("pk", filter=Q(kind="search", occurred_at__gte=at - timedelta(hours=1))),
            bulk_day=Coalesce(Sum("addresses", filter=Q(kind="bulk")), 0),
        )
        assert selectors.search_tally_counts(user_id=user.pk, now=at) == expected
    # The boundaries count (>=): an hour ago exactly is in the last hour, a day ago exactly in the last day.
    assert selectors.search_tally_counts(user_id=user.pk, now=now) == {"day": 9, "hour": 5,
                                                                        "bulk_day": 100 + 101 + 102 + 103 + 104 + 105 + 106}
    assert selectors.search_tally_counts(user_id=people["nobody"].pk, now=now) == {"day": 0, "hour": 0, "bulk_day": 0}
