from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from .models import Address


class AddressSerializer(serializers.ModelSerializer):
    """A BAG address with Dutch field names, as officers know them."""

    label = serializers.CharField(read_only=True)
    straat = serializers.CharField(source="street", read_only=True)
    huisnummer = serializers.IntegerField(source="number", read_only=True)
    huisletter = serializers.CharField(source="letter", read_only=True)
    huisnummertoevoeging = serializers.CharField(source="addition", read_only=True)
    woonplaats = serializers.CharField(source="city", read_only=True)
    nummeraanduidingId = serializers.CharField(source="bag_id", read_only=True)  # noqa: N815 (API field name)
    buurt = serializers.SerializerMethodField()
    wijk = serializers.SerializerMethodField()
    _links = serializers.SerializerMethodField()

    class Meta:
        model = Address
        fields = [
            "id", "label", "straat", "huisnummer", "huisletter", "huisnummertoevoeging", "postcode", "woonplaats",
            "nummeraanduidingId", "buurt", "wijk", "_links",
        ]
        read_only_fields = fields

    @extend_schema_field({"type": "object", "nullable": True, "properties": {"code": {"type": "string"},
                                                                            "naam": {"type": "string"}}})
    def get_buurt(self, obj):
        return {"code": obj.buurt.code, "naam": obj.buurt.name} if obj.buurt_id else None

    @extend_schema_field({"type": "object", "nullable": True, "properties": {"code": {"type": "string"},
                                                                            "naam": {"type": "string"}}})
    def get_wijk(self, obj):
        if not obj.buurt_id:
            return None
        return {"code": obj.buurt.wijk.code, "naam": obj.buurt.wijk.name}

    @extend_schema_field({"type": "object", "properties": {
        "self": {"type": "object", "properties": {"href": {"type": "string"}}},
        "hits": {"type": "object", "properties": {"href": {"type": "string"}}},
    }})
    def get__links(self, obj):
        request = self.context.get("request")
        return {
            "self": {"href": reverse("api-address-detail", kwargs={"pk": obj.pk}, request=request)},
            "hits": {"href": reverse("api-address-detail", kwargs={"pk": obj.pk}, request=request) + "/hits"},
        }
