from django.apps import AppConfig


class FactoryappConfig(AppConfig):
    """Models that exercise every case the factory handles (tests and bench only)."""

    name = "tests.factoryapp"
    default_auto_field = "django.db.models.BigAutoField"
