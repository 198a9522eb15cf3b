"""Help-screen conventions of the ``fuselearn`` command line.

Typer writes a required argument as ``{model}`` in the usage line and a flag as ``--proba <bool>``.
These command classes write the usual ``MODEL DATA`` and a bare ``--proba`` instead; nothing else
about parsing changes.
"""

from __future__ import annotations

from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption


def _tidy(params: list) -> list:
    for param in params:
        if isinstance(param, TyperOption) and param.is_flag and param.metavar is None:
            param.metavar = ""  # a flag takes no value: show no type
        elif isinstance(param, TyperArgument) and param.metavar is None:
            param.metavar = param.name.upper()
    return params


def _usage(command, ctx) -> list[str]:
    pieces = [command.options_metavar] if command.options_metavar else []
    for param in command.get_params(ctx):
        if isinstance(param, TyperArgument):
            name = param.metavar + ("..." if param.nargs != 1 else "")
            pieces.append(name if param.required else f"[{name}]")
        else:
            pieces.extend(param.get_usage_pieces(ctx))
    return pieces


class Command(TyperCommand):
    """A Typer command whose help shows ``MODEL`` for arguments and no type after flags."""

    def get_params(self, ctx):
        return _tidy(super().get_params(ctx))

    def collect_usage_pieces(self, ctx) -> list[str]:
        return _usage(self, ctx)


class Group(TyperGroup):
    """A Typer group with the same help conventions as :class:`Command`."""

    def get_params(self, ctx):
        return _tidy(super().get_params(ctx))

    def collect_usage_pieces(self, ctx) -> list[str]:
        return [*_usage(self, ctx), self.subcommand_metavar]
