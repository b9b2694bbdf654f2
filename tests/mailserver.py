"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives."""
import socket
import time

import pytest
from aiosmtpd.controller import Controller


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_port():
    return free_port()


@pytest.fixture
def app_config_with_mail(app_config, smtp_port):
    app_config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_port)
    return app_config


def start_server(port):
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, handler


def wait_for(inbox, count=1, seconds=5.0):
    deadline = time.time() + seconds
    while len(inbox.messages) < count and time.time() < deadline:
        time.sleep(0.05)
    return inbox.messages
