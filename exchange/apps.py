from __future__ import annotations

from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "exchange"
    verbose_name = "数据共享"

    def ready(self) -> None:
        from exchange.contracts import Channel
        from lib.metrics import outbound_channels_known

        outbound_channels_known(channel.value for channel in Channel)
