"""What can go wrong with the journal, in words the operator can act on."""


class JournalError(Exception):
    """The journal could not do what was asked; the message says why."""


class JournalUnavailable(JournalError):
    """The database cannot be reached or written just now; the same write may succeed later."""


class JournalVersionError(JournalError):
    """The journal was written by a newer Catalyst; this one must not touch it."""


class RecordError(JournalError):
    """The database refused one record; writing it again will not help."""
