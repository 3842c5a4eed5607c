"""The hosts feeds and cameras may reach: every internal range refused unless the
profile's [network] allows it, deny before allow, and a broken [network] listed
with its fixes at start-up. (Connecting to the checked address is tested against
a real server in tests/connectors/test_http.py.)"""

from __future__ import annotations

import ipaddress

import pytest

from city.network import NetworkPolicy, internal, load_network
from city.profile import ProfileError, load_profile
from tests.conftest import seoul_profile_copy

INTERNAL = (
    "127.0.0.1", "127.8.9.10", "10.2.0.11", "172.16.5.4", "192.168.1.1",
    "169.254.169.254",  # a cloud's metadata service
    "100.64.0.1", "0.0.0.0", "224.0.0.1", "239.255.255.250", "240.0.0.1",
    "255.255.255.255", "192.0.2.1", "198.18.0.1",
    "::1", "::", "fe80::1", "fc00::1", "fd12:3456::1", "ff02::1",
    "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254",
    "2002:7f00:1::1",  # 6to4 around 127.0.0.1
    "64:ff9b::a9fe:a9fe",  # NAT64 around 169.254.169.254
)  # fmt: skip
PUBLIC = ("8.8.8.8", "93.184.216.34", "2606:4700::1111", "64:ff9b::808:808")


@pytest.mark.parametrize("address", INTERNAL)
def test_internal_addresses_are_refused_by_default(address):
    assert internal(ipaddress.ip_address(address))
    reason = NetworkPolicy().refusal("feeds.example", ipaddress.ip_address(address))
    assert reason and "allow_hosts" in reason


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_are_allowed_by_default(address):
    assert (
        NetworkPolicy().refusal("feeds.example", ipaddress.ip_address(address)) is None
    )


def _policy(**table) -> NetworkPolicy:
    problems: list[str] = []
    policy = load_network(table, problems)
    assert problems == []
    return policy


def test_allow_hosts_opens_named_hosts_and_networks_only():
    policy = _policy(allow_hosts=["10.2.0.0/24", "cams.police.local", "*.its.local"])
    ip = ipaddress.ip_address
    assert policy.refusal("10.2.0.11", ip("10.2.0.11")) is None
    assert policy.refusal("anything", ip("::ffff:10.2.0.12")) is None  # mapped
    assert policy.refusal("10.2.1.1", ip("10.2.1.1"))  # next door: refused
    assert policy.refusal("cams.police.local", ip("10.9.9.9")) is None
    assert policy.refusal("CAMS.police.local.", ip("10.9.9.9")) is None
    assert policy.refusal("north.its.local", ip("10.7.0.1")) is None
    assert policy.refusal("its.local", ip("10.7.0.1"))  # the domain itself is not
    assert policy.refusal("other.local", ip("169.254.169.254"))


def test_deny_hosts_wins_over_allow_and_over_public():
    policy = _policy(
        allow_hosts=["127.0.0.0/8", "feeds.example"],
        deny_hosts=["feeds.example", "8.8.8.0/24", "*.corp.example"],
    )
    ip = ipaddress.ip_address
    assert "deny_hosts" in policy.refusal("feeds.example", ip("127.0.0.1"))
    assert "deny_hosts" in policy.refusal("dns.example", ip("8.8.8.8"))
    assert "deny_hosts" in policy.refusal("hr.corp.example", ip("93.184.216.34"))
    assert policy.refusal("localhost", ip("127.0.0.1")) is None


def test_a_broken_network_table_is_listed_with_its_fixes(tmp_path):
    path = seoul_profile_copy(
        tmp_path,
        1,
        extra="""
[network]
allow_host = ["10.0.0.0/8"]
deny_hosts = ["http://evil.example/", "10.0.0.1/8", "not a host", 7]
""",
    )
    with pytest.raises(ProfileError) as broken:
        load_profile(path)
    problems = broken.value.problems
    assert "[network] has no key `allow_host`: did you mean `allow_hosts`?" in problems
    assert any("'http://evil.example/' is not a host" in p for p in problems)
    assert any('write "10.0.0.0/8"' in p for p in problems)
    assert any("'not a host' is not a host name" in p for p in problems)
    assert any("7 is not a host name" in p for p in problems)


def test_the_profile_carries_its_network(tmp_path):
    path = seoul_profile_copy(
        tmp_path, 1, extra='\n[network]\nallow_hosts = ["10.2.0.0/24"]\n'
    )
    policy = load_profile(path).network
    assert policy.refusal("cam", ipaddress.ip_address("10.2.0.9")) is None
    assert policy.refusal("cam", ipaddress.ip_address("10.3.0.9"))
