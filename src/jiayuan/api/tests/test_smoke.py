def test_token_and_person_roundtrip(api_client, make_person):
    p = make_person(name="张建国")
    c = api_client("community")
    r = c.get("/api/v1/persons", {"q": "zjg"})
    assert r.status_code == 200
    assert [row["id"] for row in r.json()["results"]] == [p.pk]
    assert api_client("outsider").get(f"/api/v1/persons/{p.pk}").status_code == 404
