"""Where tool callbacks may go. Broker-free.

The host of a callback URL is resolved once; every address it resolves to is
checked, and the connection then goes to that checked address (no second DNS
lookup that could answer differently). Checking resolved addresses, not the
URL's text, is what catches every spelling: `2852039166`, `0251.0376.0251.0376`
and `0xa9fea9fe` all resolve to 169.254.169.254. IPv6 forms that carry an IPv4
address (mapped, compatible, NAT64, 6to4) are judged by that IPv4 address.
"""

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# Never reachable, whatever the settings say: link-local and cloud metadata, the
# "this host" addresses, and multicast.
ALWAYS_BLOCKED: tuple[Network, ...] = tuple(ipaddress.ip_network(n) for n in (
    "169.254.0.0/16", "fe80::/10", "fd00:ec2::254/128",
    "0.0.0.0/8", "::/128",
    "224.0.0.0/4", "ff00::/8",
    "255.255.255.255/32",
))

# The README's tools live on this machine or the LAN; nothing else unless widened.
DEFAULT_ALLOWED = "127.0.0.0/8,::1/128,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7"

_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_SIX_TO_FOUR = ipaddress.ip_network("2002::/16")


class Refused(Exception):
    pass


def parse_networks(spec: str) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(part.strip(), strict=False) for part in spec.split(",") if part.strip())


def embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries, if it is one of the forms that do."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64 or (int(address) >> 32 == 0 and int(address) > 1):  # NAT64, or deprecated ::a.b.c.d
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


@dataclass(frozen=True)
class OutboundPolicy:
    allowed: tuple[Network, ...]

    @classmethod
    def from_setting(cls, spec: str) -> "OutboundPolicy":
        return cls(parse_networks(spec))

    def check(self, address: IPAddress) -> None:
        candidates = [address]
        inner = embedded_ipv4(address)
        if inner is not None:
            candidates.append(inner)
        for candidate in candidates:
            if any(candidate in net for net in ALWAYS_BLOCKED if net.version == candidate.version):
                raise Refused(f"{address} is a link-local, metadata, unspecified or multicast address")
        judged = inner or address
        if not any(judged in net for net in self.allowed if net.version == judged.version):
            raise Refused(f"{address} is outside the allowed networks (LUMIA_TOOL_ALLOWED_NETWORKS)")

    def check_literal(self, url: str) -> None:
        """Refused if the URL's host is an address (in any spelling `resolve` would read) that a call
        would always be refused; a host name is only resolved at call time, so it passes here."""
        host = urlsplit(url).hostname
        if not host:
            raise Refused("the callback URL must be http:// or https:// with a host")
        try:  # numeric hosts only: never a DNS lookup
            infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM, flags=socket.AI_NUMERICHOST)
        except (OSError, UnicodeError):
            return
        for info in infos:
            self.check(ipaddress.ip_address(str(info[4][0]).split("%")[0]))

    async def resolve(self, url: str) -> tuple[str, int, str]:
        """(checked address, port, host) for a callback URL, or Refused saying why."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise Refused("the callback URL must be http:// or https:// with a host")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
        except OSError as exc:
            raise Refused(f"cannot resolve {parts.hostname}: {exc.strerror or exc}") from exc
        addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
        if not addresses:
            raise Refused(f"{parts.hostname} has no address")
        for address in addresses:  # every answer must pass, so which one is used cannot matter
            self.check(address)
        return str(addresses[0]), port, parts.hostname
