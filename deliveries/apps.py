from django.apps import AppConfig


class DeliveriesConfig(AppConfig):
    name = "deliveries"
    verbose_name = "Deliveries"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.core.signals import setting_changed

        from . import checks  # noqa: F401  (registers the system checks)
        from .stores.handler import configured_store

        def reset_store(setting, **kwargs):
            if setting.startswith("DELIVERY_STORE"):
                configured_store.reset()

        setting_changed.connect(reset_store, weak=False, dispatch_uid="deliveries.reset_store")
