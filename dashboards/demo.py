from .models import Dashboard

DASHBOARDS = [
    {
        "slug": "buurtveiligheid",
        "name": "Veiligheid per buurt",
        "description": "Incidenten per 1000 inwoners per buurt, trends, dagdelen en het effect van maatregelen.",
        "address_level": False,
    },
    {
        "slug": "hennep",
        "name": "Hennep en ondermijning (adresniveau)",
        "description": "Beperkt dashboard met signalen van hennepteelt op adresniveau.",
        "address_level": True,
    },
]


def seed(stdout):
    for data in DASHBOARDS:
        Dashboard.objects.get_or_create(slug=data["slug"], defaults=data)
    stdout.write(f"Dashboards: {Dashboard.objects.count()}.")
