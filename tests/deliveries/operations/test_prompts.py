"""deliveries.operations.prompts: the y/N question before a command deletes anything."""

from unittest import mock

from django.test import SimpleTestCase

from deliveries.operations.prompts import NoTerminal, can_ask, confirm


class TestConfirm(SimpleTestCase):
    def ask(self, answer, tty=True):
        """confirm() with ``answer`` typed (an exception is raised by input instead); (result, input mock)."""
        effect = answer if isinstance(answer, BaseException) else None
        with (
            mock.patch("sys.stdin.isatty", return_value=tty),
            mock.patch("builtins.input", return_value=answer, side_effect=effect) as typed,
        ):
            return confirm("Delete 3 orphans?"), typed

    def test_only_yes_goes_ahead(self):
        """y or yes, in any case and with spaces, say yes; anything else, end of input too, says no."""
        for answer, expected in (
            ("y", True),
            ("yes", True),
            (" YES \n", True),
            ("Y", True),
            ("", False),
            ("n", False),
            ("no", False),
            ("yess", False),
            ("ja", False),
            (EOFError(), False),
        ):
            with self.subTest(answer=answer):
                agreed, typed = self.ask(answer)
                self.assertIs(agreed, expected)
                typed.assert_called_once_with("Delete 3 orphans? [y/N] ")

    def test_yes_does_not_ask(self):
        """--yes goes ahead without a question, with or without a terminal."""
        for tty in (True, False):
            with (
                self.subTest(tty=tty),
                mock.patch("sys.stdin.isatty", return_value=tty),
                mock.patch("builtins.input") as typed,
            ):
                self.assertIs(confirm("Delete?", yes=True), True)
                typed.assert_not_called()

    def test_no_terminal(self):
        """Without a terminal nobody is asked: NoTerminal, so that the command can say to pass --yes."""
        with mock.patch("sys.stdin.isatty", return_value=False), mock.patch("builtins.input") as typed:
            self.assertFalse(can_ask())
            with self.assertRaisesMessage(NoTerminal, "Delete 3 orphans?"):
                confirm("Delete 3 orphans?")
        typed.assert_not_called()
        with mock.patch("sys.stdin.isatty", return_value=True):
            self.assertTrue(can_ask())

    def test_interrupt_is_not_an_answer(self):
        """Ctrl-C stops the command instead of being taken for no."""
        with self.assertRaises(KeyboardInterrupt):
            self.ask(KeyboardInterrupt())
