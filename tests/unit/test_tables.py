"""initlab.notebook.tables: aligned, stable text tables for the chapters' printed results."""

import pytest

from initlab.notebook.tables import print_table, table


def test_numbers_right_aligned_strings_left_aligned_with_the_given_formats():
    text = table(["name", "loss", "acc"], [("relu", 0.1, 0.97), ("sigmoid (baseline)", 2.3, 0.11)],
                 ["", ".3f", ".1%"])
    assert text.splitlines() == [
        "name                 loss    acc",
        "relu                0.100  97.0%",
        "sigmoid (baseline)  2.300  11.0%",
    ]


def test_default_format_is_three_significant_digits():
    assert table(["x"], [(1234.5,), (0.000123456,)]).splitlines()[1:] == ["1.23e+03", "0.000123"]


def test_columns_widen_to_the_header():
    lines = table(["a long header"], [(1,)], ["d"]).splitlines()
    assert lines == ["a long header", "            1"]


def test_print_table_prints_the_same_text(capsys):
    print_table(["k", "v"], [(1, 2.5)], ["d", ".1f"])
    assert capsys.readouterr().out == table(["k", "v"], [(1, 2.5)], ["d", ".1f"]) + "\n"


def test_wrong_number_of_formats_names_the_argument():
    with pytest.raises(ValueError, match="formats must give one spec per column"):
        table(["a", "b"], [(1, 2)], [".1f"])


def test_a_row_of_the_wrong_length_is_named():
    with pytest.raises(ValueError, match="row 1 has 1 values for 2 columns"):
        table(["a", "b"], [(1, 2), (3,)])
