"""API shapes of the dashboard figures (camelCase; every figure says its source and attribution)."""
from rest_framework import serializers


class DashboardSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
    addressLevel = serializers.BooleanField(source="address_level")


class LegendClassSerializer(serializers.Serializer):
    rateClass = serializers.IntegerField(source="index")
    low = serializers.FloatField()
    high = serializers.FloatField()
    areas = serializers.IntegerField(help_text="Aantal gebieden in deze klasse.")
    shade = serializers.IntegerField(help_text="Kleur: 0 groen … 4 rood.")


class AreaFigureSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    wijkCode = serializers.CharField(source="wijk_code")
    inhabitants = serializers.IntegerField(allow_null=True)
    count = serializers.IntegerField()
    ratePer1000 = serializers.FloatField(source="rate", allow_null=True,
                                         help_text="Leeg onder het minimum aantal inwoners of bij onbekende inwoners.")
    rateClass = serializers.IntegerField(source="rate_class", allow_null=True)


def area_figure_rows(areas) -> list[dict]:
    """AreaFigureSerializer's output for many areas, built directly: the map sends some 14,000 buurten of a large
    municipality, where the generic serializer alone costs tens of milliseconds. The serializer stays the schema;
    tests/dashboards/test_api_figures.py checks that both give the same."""
    return [
        {"code": a.code, "name": a.name, "wijkCode": a.wijk_code,
         "inhabitants": None if a.inhabitants is None else int(a.inhabitants), "count": int(a.count),
         "ratePer1000": None if a.rate is None else float(a.rate),
         "rateClass": None if a.rate_class is None else int(a.rate_class)}
        for a in areas
    ]


class TrendPointSerializer(serializers.Serializer):
    period = serializers.CharField(source="label", help_text="JJJJ-MM, JJJJ-Www (ISO-week) of JJJJ.")
    start = serializers.DateField(source="period")
    count = serializers.IntegerField()
    previousYearCount = serializers.IntegerField(source="previous_year_count", allow_null=True)
    provisional = serializers.BooleanField()


class GridCellSerializer(serializers.Serializer):
    dagdeel = serializers.IntegerField(help_text="0 nacht, 1 ochtend, 2 middag, 3 avond.")
    weekday = serializers.IntegerField(help_text="0 maandag … 6 zondag.")
    count = serializers.IntegerField()


def figure_meta(query, *, provisional):
    """The fields every figure response carries: which source, which filter, which period."""
    return {
        "source": query.source.code,
        "attribution": query.attribution,
        "municipality": query.municipality.code,
        "from": query.date_from.strftime("%Y-%m"),
        "to": query.date_to.strftime("%Y-%m"),
        "themes": [t.slug for t in query.themes],
        "categories": [c.code for c in query.picked_categories],
        "provisional": provisional,
    }
