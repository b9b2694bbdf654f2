"""Financiers and consultants browse listings and matches but post nothing and change nothing."""
from matchapp import demo
from . import factories


def test_partners_browse_but_do_not_act(client, auth, db, runner):
    demo.load()
    factories.rematch()
    auth.login("partner@demo.matchapp.example", demo.DEMO_PASSWORD)
    assert client.get("/technologies").status_code == 200
    assert client.get("/needs/hp-ip-waste-liquid/matches").status_code == 200
    assert client.get("/technologies/new").status_code == 403
    assert client.get("/needs/new").status_code == 403
    assert client.get("/technologies/kanmon-rooftop-solar/edit").status_code == 403
    response = client.post("/introductions", data={"need": "hp-ip-waste-liquid", "technology": "kanmon-rooftop-solar"})
    assert response.status_code == 303 and "/introductions/" not in response.headers["Location"]
    assert client.get("/workspace/projects").status_code == 403
    assert client.post("/matches/hp-ip-waste-liquid/kanmon-rooftop-solar/dismiss").status_code == 404


def test_create_user_accepts_the_partner_role(runner, db):
    result = runner.invoke(args=["create-user", "--email", "lease@tokyo-century.example", "--role", "partner",
                                 "--password", "long enough password"])
    assert result.exit_code == 0, result.output
