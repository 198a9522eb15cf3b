"""The generic Registry: normalisation, aliases, suggestions, duplicates, snapshot/restore."""

import warnings

import pytest

from fuselearn._registry import Registry, did_you_mean, normalize_name
from fuselearn.exceptions import FuselearnError, InvalidParameterError, UnknownNameError


def make(on_duplicate="warn"):
    reg = Registry("widget", on_duplicate=on_duplicate)
    reg.register("Big Box", 1, aliases=("crate",))
    reg.register("small-box", 2)
    return reg


def test_names_are_normalised_for_register_and_lookup():
    reg = make()
    assert sorted(reg) == ["big_box", "small_box"] and len(reg) == 2
    assert reg.get("BIG-BOX") == 1 and reg.get(" small box ") == 2
    assert "Big_Box" in reg and "crate" in reg and 3 not in reg
    assert normalize_name(" F1-Macro ") == "f1_macro"


def test_alias_resolves_and_is_listed_as_a_choice():
    reg = make()
    assert reg.get("Crate") == 1 and reg.canonical("crate") == "big_box"
    assert reg.choices() == ["big_box", "crate", "small_box"]
    assert reg.aliases() == {"crate": "big_box"}
    assert dict(reg.mapping()) == {"big_box": 1, "small_box": 2}


def test_unknown_name_lists_choices_and_closest_match():
    reg = make()
    with pytest.raises(UnknownNameError, match=r"Unknown widget 'smal_box' in here\. Valid names are: "
                       r"big_box, crate, small_box\. Did you mean 'small_box'\?") as info:
        reg.get("smal_box", where="here")
    assert isinstance(info.value, (FuselearnError, KeyError, ValueError))
    with pytest.raises(UnknownNameError, match="must be a string"):
        reg.get(3)
    assert did_you_mean("zzz", ["a"]) == ""


def test_duplicate_warns_like_timm_and_overwrite_is_silent():
    reg = make()
    with pytest.warns(UserWarning, match="'big_box' is already registered.*registered twice"):
        reg.register("big box", 10)
    assert reg.get("big_box") == 10 and reg.get("crate") == 10
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        reg.register("big_box", 11, overwrite=True)
    assert reg.get("big_box") == 11


def test_duplicate_may_raise_and_alias_counts_as_taken():
    reg = make("raise")
    with pytest.raises(InvalidParameterError, match="already registered; pass overwrite=True"):
        reg.register("Crate", 5)
    reg.register("crate", 5, overwrite=True)  # the name replaces the alias
    assert reg.get("crate") == 5 and reg.get("big_box") == 1 and reg.aliases() == {}
    with pytest.raises(InvalidParameterError, match="on_duplicate"):
        Registry("x", on_duplicate="ignore")


def test_alias_cannot_shadow_a_name_and_unregister_drops_aliases():
    reg = make()
    with pytest.raises(InvalidParameterError, match="alias 'small_box'"):
        reg.add_alias("small box", "big_box")
    reg.unregister("BIG_BOX")
    assert "crate" not in reg and sorted(reg) == ["small_box"]
    reg.unregister("absent")  # no error


def test_decorator_and_snapshot_restore():
    reg = make()
    saved = reg.snapshot()

    @reg.decorator("temp")
    def temp():
        return 3

    assert reg.get("TEMP") is temp
    reg.restore(saved)
    assert "temp" not in reg and reg.get("crate") == 1
