"""E-mail goes through a real SMTP server on loopback; a failed send is kept and retried."""
import time
from datetime import timedelta

from sqlalchemy import select

from matchapp import notifications
from matchapp.models import OutboxEmail

from . import factories
from .mailserver import start_server


def send_mail_to_a_server(runner, smtp_port):
    """`flask send-mail` with an SMTP server listening on loopback; the command's result and what arrived."""
    controller, inbox = start_server(smtp_port)
    try:
        result = runner.invoke(args=["send-mail"])
        deadline = time.time() + 5
        while not inbox.messages and time.time() < deadline:
            time.sleep(0.05)
    finally:
        controller.stop()
    return result, inbox


def test_an_introduction_request_is_mailed_and_a_failed_send_is_retried(app_config_with_mail, smtp_port, client,
                                                                        auth, db, runner, users):
    factories.need(users["city"].city, ref="ip-solar")
    factories.technology(users["company"].company, ref="rooftop-pv")
    auth.login("city@example.com")
    client.post("/introductions", data={"need": "ip-solar", "technology": "rooftop-pv", "message": "Hello"})
    queued = db.session.scalars(select(OutboxEmail)).all()
    assert [e.to for e in queued] == ["firm@example.com"]
    assert "asks for an introduction" in queued[0].subject

    # No server listening yet: the send fails, the e-mail stays queued with its error.
    result = runner.invoke(args=["send-mail"])
    assert result.exit_code == 1 and "1 failed" in result.output
    email = db.session.scalar(select(OutboxEmail))
    assert email.sent_at is None and email.attempts == 1 and email.last_error
    email.next_attempt_at = email.next_attempt_at - timedelta(hours=1)  # the retry time has come
    db.session.commit()

    result, inbox = send_mail_to_a_server(runner, smtp_port)
    assert result.exit_code == 0 and "Sent 1" in result.output
    assert len(inbox.messages) == 1
    message = inbox.messages[0]
    assert message.rcpt_tos == ["firm@example.com"]
    assert "/introductions/1" in message.content.decode("utf-8", "replace")
    assert db.session.scalar(select(OutboxEmail)).sent_at is not None


def test_mail_is_written_in_the_recipients_language(app_config_with_mail, db, users):
    users["company"].language = "ja"
    db.session.commit()
    notifications.notify([users["company"]], "digest", {"count": 3}, "/dashboard")
    db.session.commit()
    email = db.session.scalar(select(OutboxEmail))
    assert "有望なマッチングが新たに3件" in email.subject


def test_weekly_digest_counts_new_good_matches_and_respects_opt_out(app_config_with_mail, db, runner, users):
    from matchapp.matching import store
    need = factories.need(users["city"].city, ref="ip-solar", title="Rooftop solar PV with EMS")
    factories.technology(users["company"].company, ref="rooftop-pv", title="Rooftop solar PV and EMS")
    store.listing_changed(need)
    db.session.commit()
    users["company"].digest_opt_out = True
    db.session.commit()
    assert "Queued 1" in runner.invoke(args=["send-digest"]).output
    recipients = [e.to for e in db.session.scalars(select(OutboxEmail))]
    assert recipients == ["city@example.com"]
    assert "Queued 0" in runner.invoke(args=["send-digest"]).output  # nothing new since the last digest


def test_one_message_that_cannot_be_sent_does_not_hold_up_the_others(app_config_with_mail, smtp_port, db, runner):
    # written before titles were checked: a line break in a subject
    db.session.add_all([OutboxEmail(to="a@example.com", subject="[MatchApp] Solar\r\nBcc: x@example.com", body="1"),
                        OutboxEmail(to="b@example.com", subject="[MatchApp] Fine", body="2")])
    db.session.commit()
    result, inbox = send_mail_to_a_server(runner, smtp_port)
    assert "Sent 1" in result.output and "1 could not be sent" in result.output, result.output
    assert [m.rcpt_tos for m in inbox.messages] == [["b@example.com"]]
    bad = db.session.scalar(select(OutboxEmail).where(OutboxEmail.to == "a@example.com"))
    assert bad.failed_at is not None and bad.sent_at is None and "cannot be sent" in bad.last_error
    assert "Sent 0" in runner.invoke(args=["send-mail"]).output  # never tried again


def test_subjects_are_written_on_one_line(app_config_with_mail, db, users):
    notifications.notify([users["company"]], "digest", {"count": 3}, "/dashboard")
    db.session.commit()
    assert "\n" not in db.session.scalar(select(OutboxEmail)).subject
    assert notifications.one_line("a\r\nb\tc\u2028d") == "a b c d"
