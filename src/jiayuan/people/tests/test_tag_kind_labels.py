"""The seeded tag kinds' names (people.labels, in step with the migration) have English
translations and the person page shows them in English with the language cookie."""

from importlib import import_module

from django.utils import translation

from jiayuan.people import labels


def test_labels_list_exactly_the_seeded_tag_kinds_and_each_is_translated():
    seeded = import_module("jiayuan.people.migrations.0002_search_indexes_and_tag_kinds").TAG_KINDS
    assert {code: name for code, name, _desc, _sort in seeded} == labels.TAG_KIND_NAMES
    with translation.override("en"):
        assert translation.gettext("低保对象") == "Dibao recipient"
        untranslated = [n for n in labels.TAG_KIND_NAMES.values() if translation.gettext(n) == n]
    assert not untranslated, untranslated
