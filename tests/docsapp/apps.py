from django.apps import AppConfig


class DocsappConfig(AppConfig):
    """
    The app label of the models that docs/ examples define (tests/test_docs.py). It has no models
    of its own: each example's models live in an isolated registry and get their tables for the
    length of one test, so they never meet the real apps' tables.
    """

    name = "tests.docsapp"
    default_auto_field = "django.db.models.BigAutoField"
