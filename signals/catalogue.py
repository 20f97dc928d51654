"""A starting catalogue of signal categories per known department (used by seed_signal_categories and the demo)."""

DEFAULT_CATALOGUE = {
    "burgerzaken": [("adresfraude", "Adresfraude"), ("inschrijving", "Onjuiste inschrijving")],
    "belastingen": [("belastingen", "Belastingen"), ("woz", "WOZ / aanslag")],
    "sociale-zaken": [("uitkeringsfraude", "Uitkeringsfraude"), ("adresfraude", "Adresfraude")],
    "vergunningen": [("vergunningen", "Vergunningen"), ("huisvesting", "Huisvestingsvergunning")],
    "toezicht-handhaving": [("woonfraude", "Woonfraude"), ("overlast", "Overlast"), ("vergunningen", "Vergunningen")],
    "oov": [("ondermijning", "Ondermijning"), ("overlast", "Overlast"), ("high-impact-crime", "High Impact Crime")],
}
