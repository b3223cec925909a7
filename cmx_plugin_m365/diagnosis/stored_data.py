"""What the plugin keeps encrypted (token caches, the certificate's private key) and cannot read: a server whose keys
lag behind during a key rollout, or a value whose key the host no longer has. Not Microsoft's answers — the
instance's own state — but explained and classified like them, so that mail is kept and the right person acts."""

from __future__ import annotations

from .model import CMX_ADMIN, USER, WE_RETRY, Entry, Kind

# fmt: off
ENTRIES: tuple[Entry, ...] = (
    Entry("key:behind", "Schlüssel dieses Servers veraltet",
          "Dieser Server kann gespeicherte Daten von cmxOrganize nicht entschlüsseln: seine Schlüsselliste passt "
          "nicht zu der, mit der sie zuletzt gespeichert wurden (z. B. mitten in einem Schlüsselwechsel). Die anderen "
          "Server senden weiter.",
          f"{WE_RETRY}; bleibt es, allen Servern der Instanz dieselbe Schlüsselliste geben (der neue Schlüssel "
          "zuerst, die alten dahinter, bis cmxOrganize meldet, dass sie nicht mehr gebraucht werden).",
          CMX_ADMIN, Kind.TEMPORARY, en="This server's keys lag behind (key rollout)"),
    Entry("key:lost-signin", "Gespeicherte Anmeldung nicht mehr lesbar",
          "Die gespeicherte Anmeldung bei Microsoft ist mit einem Schlüssel verschlüsselt, den die Instanz nicht "
          "mehr hat (er wurde entfernt, solange er noch gebraucht wurde), oder sie ist beschädigt.",
          "Im E-Mailkonto erneut „Bei Microsoft anmelden“; die angehaltenen Mails gehen danach hinaus.",
          USER, Kind.SIGN_IN, en="Stored sign-in can no longer be decrypted"),
    Entry("key:lost-certificate", "Zertifikat nicht mehr lesbar",
          "Der private Schlüssel des Zertifikats, mit dem sich cmxOrganize bei Microsoft anmeldet, ist mit einem "
          "Schlüssel der Instanz verschlüsselt, den sie nicht mehr hat (er wurde entfernt, solange er noch gebraucht "
          "wurde), oder er ist beschädigt.",
          "In der Azure-Schnittstelle „Zertifikat erstellen“, die Datei im Entra Admin Center hochladen und "
          "„Zertifikat prüfen“ – oder den Wert eines gültigen geheimen Schlüssels ins Passwortfeld eintragen, "
          "speichern und „Geheimen Schlüssel verwenden“. Die angehaltenen Mails gehen danach hinaus.",
          CMX_ADMIN, Kind.CONFIGURATION, en="Certificate's private key can no longer be decrypted"),
    Entry("key:lost-settings", "Einstellungen von vorher nicht mehr lesbar",
          "Die aufbewahrten Einstellungen des E-Mailkontos von vor OAuth sind mit einem Schlüssel der Instanz "
          "verschlüsselt, den sie nicht mehr hat, oder sie sind beschädigt.",
          "SMTP-Server, Port, Verschlüsselung und Passwort im E-Mailkonto von Hand eintragen.",
          CMX_ADMIN, Kind.CONFIGURATION, en="Settings from before OAuth can no longer be decrypted"),
)
# fmt: on
