"""Where a webhook may go, checked without the network."""

from __future__ import annotations

import pytest

from app.settings import Settings
from app.webhooks.safety import UnsafeDestination, problems, refusal, resolve

STRICT = Settings(database_url="sqlite://")
LOCAL = Settings(
    database_url="sqlite://", webhook_allow_http=True, webhook_allowed_networks="127.0.0.0/8"
)


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("fd00::1", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("224.0.0.1", "multicast"),
        ("0.0.0.0", "reserved"),
        ("240.0.0.1", "reserved"),
        ("100.64.0.1", "not public"),  # carrier-grade NAT
        ("::ffff:10.0.0.1", "private"),  # an IPv4-mapped address is the IPv4 address
    ],
)
def test_non_public_addresses_are_refused(address: str, kind: str) -> None:
    why = refusal(address, STRICT)
    assert why is not None
    assert kind in why


def test_public_addresses_and_allowed_networks_pass() -> None:
    assert refusal("93.184.216.34", STRICT) is None
    assert refusal("2606:2800:220:1:248:1893:25c8:1946", STRICT) is None
    assert refusal("127.0.0.1", LOCAL) is None
    assert refusal("10.0.0.1", LOCAL) is not None


def test_http_only_when_allowed() -> None:
    assert problems("http://hooks.example.com/x", STRICT) == ["must be an https URL"]
    assert problems("http://hooks.example.com/x", LOCAL) == []
    assert problems("https://localhost/x", STRICT) == ["refused: 127.0.0.1 is a loopback address"]


def test_an_allowed_network_list_is_checked() -> None:
    with pytest.raises(ValueError, match="does not appear to be"):
        Settings(database_url="sqlite://", webhook_allowed_networks="127.0.0.0/8,nonsense")


def test_a_name_is_resolved_once_and_every_address_checked() -> None:
    calls: list[tuple[str, int]] = []

    def resolver(host: str, port: int) -> list[str]:
        calls.append((host, port))
        return ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"]

    destination = resolve("https://hooks.example.com/x", STRICT, resolver)
    assert calls == [("hooks.example.com", 443)]
    assert destination.address == "93.184.216.34"
    assert destination.host == "hooks.example.com"
    with pytest.raises(UnsafeDestination, match="private"):
        resolve("https://hooks.example.com/x", STRICT, lambda h, p: ["93.184.216.34", "10.0.0.1"])
    with pytest.raises(UnsafeDestination, match="does not resolve"):
        resolve("https://hooks.example.com/x", STRICT, lambda h, p: [])

    def failing(host: str, port: int) -> list[str]:
        raise OSError("Name or service not known")

    with pytest.raises(UnsafeDestination, match="does not resolve"):
        resolve("https://nowhere.example/x", STRICT, failing)
