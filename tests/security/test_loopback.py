"""Every server the project starts listens on 127.0.0.1 only."""

from __future__ import annotations

import ipaddress
import socket
import threading

import psutil
import pytest

from lab_support import relay
from lab_support.s3_faults import FaultPlan, FaultyS3Proxy

pytestmark = pytest.mark.integration


def _loopback_v4(ip: str) -> bool:
    address = ipaddress.ip_address(ip)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped  # Java listens on ::ffff:127.0.0.1
    return str(address) == "127.0.0.1"


def _listening(pid: int) -> list[tuple[int, str, int]]:
    leader = psutil.Process(pid)
    found = []
    for process in [leader, *leader.children(recursive=True)]:
        for conn in process.net_connections(kind="inet"):
            # Listening TCP sockets, and UDP sockets bound without a peer.
            unconnected_udp = conn.type == socket.SOCK_DGRAM and not conn.raddr
            if conn.status == psutil.CONN_LISTEN or unconnected_udp:
                found.append((process.pid, conn.laddr.ip, conn.laddr.port))
    return found


def test_every_local_cloud_service_listens_on_loopback_only(local_cloud):
    listening = {
        name: _listening(service.pid)
        for name, service in local_cloud.services.items()
        if not service.external
    }

    for name, sockets in listening.items():
        service = local_cloud.services[name]
        assert service.port in {port for _, _, port in sockets}, name
        wide = [s for s in sockets if not _loopback_v4(s[1])]
        assert wide == [], f"{name} listens beyond 127.0.0.1: {wide}"


def test_every_recorded_endpoint_is_on_127_0_0_1(local_cloud):
    for name, url in vars(local_cloud.endpoints).items():
        assert "127.0.0.1:" in url, (name, url)


@pytest.mark.parametrize(
    "server",
    [
        lambda: relay.RelayServer(0, "http://127.0.0.1:9/", "p", "topic"),
        lambda: FaultyS3Proxy(FaultPlan(0.0)),
    ],
    ids=["relay", "s3-fault-proxy"],
)
def test_in_process_servers_bind_127_0_0_1(server):
    running = server()
    thread = threading.Thread(target=running.serve_forever, daemon=True)
    thread.start()
    try:
        assert running.server_address[0] == "127.0.0.1"
        sockets = _listening(psutil.Process().pid)
        assert running.server_address[1] in {port for _, _, port in sockets}
    finally:
        running.shutdown()
        running.server_close()
