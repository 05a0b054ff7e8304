"""`human_size`: the one way the app words a byte size (decimal units, like macOS/GNOME)."""

from rlm_desktop.sizes import GB, MB, human_size


def test_decimal_units_with_one_decimal_at_most() -> None:
    assert [human_size(n) for n in (0, 1, 12, 999)] == [
        "0 bytes",
        "1 byte",
        "12 bytes",
        "999 bytes",
    ]
    assert human_size(1000) == "1 KB" and human_size(1500) == "1.5 KB"
    assert human_size(98_412_345) == "98.4 MB"  # the demo model, as the catalogue says
    assert human_size(2 * GB) == "2 GB" and human_size(512 * MB) == "512 MB"
    assert human_size(10 * 1024**3) == "10.7 GB"  # 10 GiB is not 10 GB
    assert human_size(5e12) == "5 TB" and human_size(1.5e6) == "1.5 MB"


def test_rounding_never_shows_a_thousand_of_a_unit() -> None:
    assert human_size(999_960_000) == "1 GB"
    assert human_size(999_999) == "1 MB"
    assert human_size(999_940) == "999.9 KB"
