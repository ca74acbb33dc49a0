"""The commands lojasync suggests read back by a shell as the message means them."""

from __future__ import annotations

import shlex

import pytest

from lojasync.shared.shell_words import command_with


@pytest.mark.parametrize(("argument", "expected"), [
    ("CAM-P", "lojasync products set CAM-P --ncm N"),
    ("CAM P", "lojasync products set 'CAM P' --ncm N"),
    ("KIT[/]", "lojasync products set 'KIT[/]' --ncm N"),
    ("-AZUL", "lojasync products set --ncm N -- -AZUL"),
    ("--help", "lojasync products set --ncm N -- --help"),
    ("-A B", "lojasync products set --ncm N -- '-A B'"),
])
def test_the_argument_is_one_word_and_never_an_option(argument, expected):
    written = command_with("lojasync products set", argument, "--ncm N")
    assert written == expected
    words = shlex.split(written)
    assert argument in words   # one word, as given
    if argument.startswith("-"):
        assert words.index("--") == words.index(argument) - 1   # after the end of the options


def test_without_options_the_argument_ends_the_command():
    assert command_with("lojasync stock movements", "CAM-P") == "lojasync stock movements CAM-P"
    assert command_with("lojasync stock movements", "-P") == "lojasync stock movements -- -P"
