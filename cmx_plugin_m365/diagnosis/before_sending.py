"""What cmxOrganize refuses itself before a mail leaves, because the mail as the host built it is not one Microsoft
should decide about (the sending limits are in ``general.LIMITS``)."""

from __future__ import annotations

from .model import SUPPORT, Entry, Kind

# fmt: off
ENTRIES: tuple[Entry, ...] = (
    # Issue 22: Exchange decides what a From naming another mailbox, or several, means (RFC 5322 allows several From
    # addresses with a Sender; what Exchange Online does with them is not documented). cmxOrganize does not leave it
    # to chance: a mail of an account goes only with that account's address as its one sender.
    Entry("message:from", "Absender der Mail passt nicht zum E-Mailkonto",
          "Im Absender (From) der Mail steht nicht genau die Adresse dieses E-Mailkontos – sondern eine andere oder "
          "mehrere Adressen. cmxOrganize hat sie deshalb nicht gesendet; andere Mails des Kontos gehen weiter.",
          "Die Mail mit dem E-Mailkonto senden, dessen Adresse im Absender stehen soll; bleibt es bei einer Mail, die "
          "cmxOrganize selbst erzeugt, den cmxKonzepte-Support mit dem Code verständigen.",
          SUPPORT, Kind.MESSAGE, en="The message's From is not the account's address"),
)
# fmt: on
