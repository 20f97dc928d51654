"""Serializers of the signals API. Two families, kept apart on purpose:

- own-department signals (SignalListSerializer, SignalDetailSerializer): only ever fed from
  selectors.signal_list_for_user, so they may carry category and (detail only) details;
- cross-department reads (HitSerializer, HitReportRowSerializer): built from the selectors' narrow dataclasses,
  which have no category, details or per-department count to leak.

Write serializers resolve every reference (department, category, contact officer) INSIDE the user's own
departments, so an unknown code and another department's code give the same error.
"""
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from access.denials import denial_note
from areas.serializers import AddressSerializer

from . import selectors
from .models import Category, Signal

STATUS_CHOICES = [choice for choice, _label in Signal.Status.choices]


class DepartmentRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class CategoryRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class ContactOfficerSerializer(serializers.Serializer):
    username = serializers.CharField()
    name = serializers.SerializerMethodField()
    phone = serializers.CharField()
    email = serializers.EmailField()

    def get_name(self, user) -> str:
        return user.get_full_name() or user.username


class AddressRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    label = serializers.CharField()
    postcode = serializers.CharField()


class SignalListSerializer(serializers.ModelSerializer):
    """A signal of one of the user's own departments, without its details (details: GET /signals/{id})."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    department = DepartmentRefSerializer(read_only=True)
    address = AddressRefSerializer(read_only=True)
    category = CategoryRefSerializer(read_only=True)
    contactOfficer = ContactOfficerSerializer(source="contact_officer", read_only=True)  # noqa: N815
    caseReference = serializers.CharField(source="case_reference", read_only=True)  # noqa: N815
    contactBeforeActing = serializers.BooleanField(source="contact_before_acting", read_only=True)  # noqa: N815
    notifyOnSearch = serializers.BooleanField(source="notify_on_search", read_only=True)  # noqa: N815
    validFrom = serializers.DateField(source="valid_from", read_only=True)  # noqa: N815
    validUntil = serializers.DateField(source="valid_until", read_only=True)  # noqa: N815
    active = serializers.BooleanField(source="is_active", read_only=True)
    _links = serializers.SerializerMethodField()

    class Meta:
        model = Signal
        fields = [
            "id", "department", "address", "category", "contactOfficer", "caseReference", "contactBeforeActing",
            "notifyOnSearch", "validFrom", "validUntil", "status", "active", "_links",
        ]
        read_only_fields = fields

    @extend_schema_field({"type": "object", "properties": {
        "self": {"type": "object", "properties": {"href": {"type": "string"}}}}})
    def get__links(self, signal):
        request = self.context.get("request")
        href = f"/api/v1/signals/{signal.public_id}"
        return {"self": {"href": request.build_absolute_uri(href) if request is not None else href}}


class SignalDetailSerializer(SignalListSerializer):
    """One own-department signal with its details; reading it is recorded as a SIGNAL_VIEW access event."""

    details = serializers.SerializerMethodField()
    detailsErased = serializers.BooleanField(source="is_erased", read_only=True)  # noqa: N815
    createdAt = serializers.DateTimeField(source="created_at", read_only=True)  # noqa: N815
    endedAt = serializers.DateTimeField(source="ended_at", read_only=True)  # noqa: N815
    closeReason = serializers.SerializerMethodField()  # noqa: N815

    class Meta(SignalListSerializer.Meta):
        fields = SignalListSerializer.Meta.fields + ["details", "detailsErased", "createdAt", "endedAt", "closeReason"]
        read_only_fields = fields

    def get_details(self, signal) -> str | None:
        return None if signal.is_erased else signal.details

    def get_closeReason(self, signal) -> str | None:  # noqa: N802
        return None if signal.is_erased else (signal.close_reason or None)


# --- writes --------------------------------------------------------------------------------------------------

def _user(serializer):
    return serializer.context["request"].user


class _SignalWriteBase(serializers.Serializer):
    """Field names as in the read representation; references by code/username, resolved in own departments."""

    category = serializers.CharField(
        max_length=40, help_text=gettext_lazy("Code uit de catalogus van de afdeling, bijvoorbeeld woonfraude.")
    )
    details = serializers.CharField(allow_blank=True, required=False, max_length=10_000)
    contactOfficer = serializers.CharField(  # noqa: N815
        max_length=150, required=False, help_text=gettext_lazy("Gebruikersnaam van een signaalfunctionaris van de "
                                                               "afdeling; standaard uzelf.")
    )
    caseReference = serializers.CharField(max_length=80, allow_blank=True, required=False)  # noqa: N815
    contactBeforeActing = serializers.BooleanField(required=False)  # noqa: N815
    notifyOnSearch = serializers.BooleanField(required=False)  # noqa: N815
    validUntil = serializers.DateField(required=False)  # noqa: N815

    FIELD_MAP = {
        "category": "category",
        "details": "details",
        "contactOfficer": "contact_officer",
        "caseReference": "case_reference",
        "contactBeforeActing": "contact_before_acting",
        "notifyOnSearch": "notify_on_search",
        "validUntil": "valid_until",
    }

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(
                    {name: [_("Dit veld bestaat niet of kan niet worden gewijzigd.")] for name in unknown}
                )
        return super().to_internal_value(data)

    def _resolve_category(self, code, department):
        category = Category.objects.filter(department=department, code=code, active=True).first()
        if category is None:
            raise serializers.ValidationError(
                {"category": [_("Onbekende categorie: kies een code uit de catalogus van uw afdeling.")]}
            )
        return category

    def _resolve_officer(self, username, department):
        officer = selectors.department_officers(department=department).filter(username=username).first()
        if officer is None:
            raise serializers.ValidationError(
                {"contactOfficer": [_("De contactpersoon moet signaalfunctionaris van deze afdeling zijn.")]}
            )
        return officer

    def service_kwargs(self, department) -> dict:
        """validated_data with the service's argument names and references resolved to objects."""
        kwargs = {}
        for name, value in self.validated_data.items():
            if name in ("department", "address"):
                continue
            kwargs[self.FIELD_MAP[name]] = value
        if "category" in kwargs:
            kwargs["category"] = self._resolve_category(kwargs["category"], department)
        if "contact_officer" in kwargs:
            kwargs["contact_officer"] = self._resolve_officer(kwargs["contact_officer"], department)
        return kwargs


class SignalCreateSerializer(_SignalWriteBase):
    department = serializers.CharField(
        max_length=40, required=False,
        help_text=gettext_lazy("Code van een eigen afdeling; mag weg als u signalen van één afdeling beheert."),
    )
    address = serializers.IntegerField(
        required=False, help_text=gettext_lazy("Id van het adres (GET /api/v1/addresses?q=).")
    )
    addressQuery = serializers.CharField(  # noqa: N815
        required=False, max_length=200,
        help_text=gettext_lazy("Of het adres als tekst (5038 AB 12a, Stationsstraat 12A Tilburg); moet precies één "
                               "adres aanwijzen."),
    )

    def validate_address(self, value):
        from areas.selectors import address_get

        address = address_get(address_id=value)
        if address is None:
            raise serializers.ValidationError(_("Onbekend adres."))
        return address

    def validate_addressQuery(self, value):  # noqa: N802
        from areas.selectors import address_search

        found = address_search(q=value, limit=5)
        if found.kind != "exact":
            raise serializers.ValidationError(
                found.message or _("Dit adres wijst niet precies één adres aan; gebruik het adres-id.")
            )
        return found.address

    def validate(self, attrs):
        if ("address" in attrs) == ("addressQuery" in attrs):
            raise serializers.ValidationError({"address": [_("Geef het adres-id of de adrestekst (addressQuery).")]})
        if "addressQuery" in attrs:
            attrs["address"] = attrs.pop("addressQuery")
        return attrs

    def resolve_department(self):
        """The department named (or the only one managed). Unknown and not-yours give the same message."""
        departments = selectors.departments_for_user(user=_user(self))
        code = self.validated_data.get("department")
        if not code:
            only = list(departments[:2])
            if len(only) == 1:
                return only[0]
            raise serializers.ValidationError({"department": [_("Kies de afdeling waarvoor u dit signaal plaatst.")]})
        department = departments.filter(code=code).first()
        if department is None:
            denial_note(object_type="access.Department", object_id=code)  # a refusal, recorded (access.denials)
            raise serializers.ValidationError(
                {"department": [_("Onbekende afdeling, of u beheert geen signalen van deze afdeling.")]}
            )
        return department


class SignalUpdateSerializer(_SignalWriteBase):
    category = serializers.CharField(max_length=40, required=False)


class SignalCloseSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, help_text=gettext_lazy("Waarom het signaal wordt beëindigd."))


# --- cross-department reads ----------------------------------------------------------------------------------

class HitSerializer(serializers.Serializer):
    """One department with an active signal on the address: who to call, since when (month). Nothing more."""

    department = serializers.CharField(source="department_name")
    contactName = serializers.CharField(source="contact_name")  # noqa: N815
    contactPhone = serializers.CharField(source="contact_phone")  # noqa: N815
    contactEmail = serializers.CharField(source="contact_email")  # noqa: N815
    since = serializers.SerializerMethodField(help_text="Maand (JJJJ-MM).")
    sinceLabel = serializers.CharField(source="since_label")  # noqa: N815
    contactBeforeActing = serializers.BooleanField(source="contact_before_acting")  # noqa: N815

    def get_since(self, hit) -> str:
        return hit.since.strftime("%Y-%m")


class HitsResponseSerializer(serializers.Serializer):
    address = AddressSerializer()
    purpose = serializers.CharField()
    hit = serializers.BooleanField()
    departmentCount = serializers.IntegerField()  # noqa: N815
    departments = HitSerializer(many=True)
    message = serializers.CharField()


class HitReportRowSerializer(serializers.Serializer):
    addressId = serializers.IntegerField(source="address_id")  # noqa: N815
    address = serializers.CharField(source="address_label")
    postcode = serializers.CharField()
    buurtCode = serializers.CharField(source="buurt_code")  # noqa: N815
    buurt = serializers.CharField(source="buurt_name")
    wijk = serializers.CharField(source="wijk_name")
    departmentCount = serializers.IntegerField(source="department_count")  # noqa: N815
    departments = serializers.ListField(child=serializers.CharField())


class SignalListQuerySerializer(serializers.Serializer):
    ORDERINGS = {
        "validFrom": "valid_from", "-validFrom": "-valid_from",
        "validUntil": "valid_until", "-validUntil": "-valid_until",
        "address": "address__street_key", "-address": "-address__street_key",
        "status": "status", "-status": "-status",
    }
    status = serializers.ChoiceField(choices=["active", "closed", "expired"], required=False)
    q = serializers.CharField(max_length=120, required=False, allow_blank=True)
    category = serializers.CharField(max_length=40, required=False, allow_blank=True)
    department = serializers.CharField(max_length=40, required=False, allow_blank=True)
    ordering = serializers.ChoiceField(choices=sorted(ORDERINGS), required=False)
