"""Which hosts the wall's server may fetch from, feeds and cameras alike.

A feed's or a camera's URL names a host, and whoever writes that URL (a provider's
camera list, a feed that redirects) must not be able to turn the server into a way
into the city's own network. So, in the profile:

    [network]
    allow_hosts = ["10.2.0.0/24", "cams.police.local"]  # internal hosts to reach
    deny_hosts = ["*.corp.example", "203.0.113.7"]       # never, whatever they are

Every address a host name resolves to is checked, and ``connectors.http`` connects
to the address it checked, never resolving twice: a name that answers a public
address first and an internal one next (DNS rebinding) gains nothing.

Loopback, link-local, private, shared (100.64/10), unspecified, multicast and
reserved addresses, IPv4 and IPv6 (IPv4-mapped, 6to4 and NAT64 forms judged by the
IPv4 address inside), are refused unless ``allow_hosts`` names the host or a
network that holds the address. ``deny_hosts`` wins over everything. An entry is a
host name (``feeds.example.org``), every name under a domain (``*.example.org``),
an address (``192.0.2.7``) or a network (``10.2.0.0/24``, ``fd00::/8``).
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Iterable
from dataclasses import dataclass, field

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

NAT64 = (
    ipaddress.IPv6Network("64:ff9b::/96"),  # the well-known prefix
    ipaddress.IPv6Network("64:ff9b:1::/48"),  # local-use
)
_HOST_NAME = re.compile(r"^(\*\.)?([a-z0-9_]([a-z0-9_-]*[a-z0-9_])?\.)*[a-z0-9_-]+$")


class HostRefused(RuntimeError):
    """The host, or an address it resolves to, is not one the wall may fetch from;
    the message says which rule refused it and how to allow it."""


@dataclass(frozen=True)
class HostList:
    names: frozenset[str] = frozenset()
    domains: tuple[str, ...] = ()  # ".example.org" from "*.example.org"
    networks: tuple[Network, ...] = ()

    def names_host(self, host: str) -> bool:
        return host in self.names or any(host.endswith(d) for d in self.domains)

    def holds(self, address: Address) -> bool:
        return any(
            a in n
            for a in _forms(address)
            for n in self.networks
            if a.version == n.version
        )


@dataclass(frozen=True)
class NetworkPolicy:
    """The profile's ``[network]``: the hosts feeds and cameras may be fetched
    from. The default refuses every internal address and allows the rest."""

    allow: HostList = field(default_factory=HostList)
    deny: HostList = field(default_factory=HostList)

    def refusal(self, host: str, address: Address) -> str | None:
        """Why ``host`` may not be reached at ``address``; None when it may."""
        host = _name(host)
        shown = " = ".join(str(a) for a in _forms(address))  # ::ffff:7f00:1 = 127.0.0.1
        if self.deny.names_host(host):
            return f"host {host} is listed in [network] deny_hosts"
        if self.deny.holds(address):
            return f"host {host} resolves to {shown}, in [network] deny_hosts"
        if not internal(address) or self.allow.names_host(host):
            return None
        if self.allow.holds(address):
            return None
        return (
            f"host {host} resolves to {shown}, an internal address: add the host or "
            "its network to [network] allow_hosts if the wall should reach it"
        )

    def resolve(self, host: str, port: int) -> list[tuple]:
        """The addresses (``socket.getaddrinfo`` entries) to connect to for
        ``host``, every one of them checked; HostRefused if any is refused (a name
        that also points inside is not trusted for its public half)."""
        name = _name(host)
        if self.deny.names_host(name):
            raise HostRefused(f"host {name} is listed in [network] deny_hosts")
        found = socket.getaddrinfo(name, port, type=socket.SOCK_STREAM)
        for entry in found:
            reason = self.refusal(name, _address(entry[4][0]))
            if reason:
                raise HostRefused(reason)
        return found


# no [network] table: every public address, no internal one
OPEN_INTERNET = NetworkPolicy()


def internal(address: Address) -> bool:
    """Whether ``address`` is not a public one: loopback, link-local, private,
    shared, unspecified, multicast or reserved, directly or inside an IPv6 form."""
    forms = _forms(address)
    if len(forms) > 1:  # an IPv6 address that carries an IPv4 one: judge that
        return internal(forms[-1])
    return (
        not address.is_global
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or address.is_loopback
        or address.is_link_local
        or address.is_private
    )


def load_network(table: object, problems: list[str]) -> NetworkPolicy:
    """``[network]`` of a profile; every problem is added to ``problems``."""
    if table is None:
        return OPEN_INTERNET
    if not isinstance(table, dict):
        problems.append(
            "[network] must be a table: write [network] on a line of its own"
        )
        return OPEN_INTERNET
    # unknown keys are the profile's declaration's to refuse (city.profile_keys)
    return NetworkPolicy(
        allow=_host_list("allow_hosts", table.get("allow_hosts", []), problems),
        deny=_host_list("deny_hosts", table.get("deny_hosts", []), problems),
    )


def _host_list(key: str, entries: object, problems: list[str]) -> HostList:
    if not isinstance(entries, list):
        problems.append(f'[network] {key} must be a list, e.g. {key} = ["10.2.0.0/24"]')
        return HostList()
    names, domains, networks = set(), [], []
    for entry in entries:
        text = entry.strip().lower().rstrip(".") if isinstance(entry, str) else ""
        if "://" in text or ("/" in text and not _is_network(text)):
            problems.append(
                f"[network] {key}: {entry!r} is not a host: write the host name, "
                'address or network alone, e.g. "cams.example.org" or "10.2.0.0/24"'
            )
        elif _is_network(text):
            try:
                networks.append(ipaddress.ip_network(text.strip("[]")))
            except ValueError:
                fixed = ipaddress.ip_network(text.strip("[]"), strict=False)
                problems.append(
                    f"[network] {key}: {entry!r} has bits set beyond its prefix: "
                    f'write "{fixed}"'
                )
        elif text and _HOST_NAME.match(text):
            if text.startswith("*."):
                domains.append(text[1:])
            else:
                names.add(text)
        else:
            problems.append(
                f"[network] {key}: {entry!r} is not a host name, address or network"
            )
    return HostList(frozenset(names), tuple(domains), tuple(networks))


def _is_network(text: str) -> bool:
    try:
        ipaddress.ip_network(text.strip("[]"), strict=False)
    except ValueError:
        return False
    return True


def _name(host: str) -> str:
    return host.strip("[]").lower().rstrip(".")


def _address(text: str) -> Address:
    return ipaddress.ip_address(text.split("%", 1)[0])  # fe80::1%eth0: no zone


def _forms(address: Address) -> tuple[Address, ...]:
    """The address, and the IPv4 address an IPv6 one carries (mapped, 6to4, NAT64)."""
    if address.version == 4:
        return (address,)
    inner = address.ipv4_mapped or address.sixtofour
    if inner is None and any(address in n for n in NAT64):
        inner = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return (address,) if inner is None else (address, inner)


def allowing(hosts: Iterable[str]) -> NetworkPolicy:
    """A policy that also allows ``hosts`` (tests, tools): the same rules as a
    profile's ``[network] allow_hosts``."""
    problems: list[str] = []
    policy = load_network({"allow_hosts": list(hosts)}, problems)
    if problems:
        raise ValueError("; ".join(problems))
    return policy
