"""The lifecycles written out by hand, independent of `domain.machines`, to test against.

User triggers only; the automatic ones (godkend, send_til_genforhandling,
afslut_implementering) are never allowed for a user and are tested through the
decisions that fire them.
"""

AGREEMENT_ALLOWED: dict[str, dict[str, str]] = {
    "proevehandling": {"forelaeg_ssu": "resultater_forelagt_ssu",
                       "tilbagetraek": "tilbagetrukket"},
    "resultater_forelagt_ssu": {"paabegynd_udarbejdelse": "under_udarbejdelse",
                                "tilbagetraek": "tilbagetrukket"},
    "under_udarbejdelse": {"send_til_ssu": "til_behandling_i_ssu",
                           "tilbagetraek": "tilbagetrukket"},
    "til_behandling_i_ssu": {"tilbage_til_udarbejdelse": "under_udarbejdelse",
                             "indstil_til_godkendelse": "i_godkendelse",
                             "tilbagetraek": "tilbagetrukket"},
    "i_godkendelse": {"tilbagetraek": "tilbagetrukket"},
    "godkendt": {"start_implementering": "under_implementering",
                 "tilbagetraek": "tilbagetrukket",
                 "marker_udloebet": "udloebet", "marker_erstattet": "erstattet"},
    "under_implementering": {"marker_udloebet": "udloebet", "marker_erstattet": "erstattet"},
    "implementeret": {"marker_udloebet": "udloebet", "marker_erstattet": "erstattet"},
    "genforhandling": {"send_til_ssu": "til_behandling_i_ssu",
                       "tilbagetraek": "tilbagetrukket"},
    "tilbagetrukket": {},
    "udloebet": {},
    "erstattet": {},
}
AGREEMENT_AUTOMATIC = ("godkend", "send_til_genforhandling", "afslut_implementering")

# decision word (CLI/API) -> trigger; states of one party's approval
APPROVAL_ALLOWED: dict[str, dict[str, str]] = {
    "afventer": {"dagsorden": "sat_paa_dagsorden", "godkendt": "godkendt",
                 "afvist": "afvist"},
    "sat_paa_dagsorden": {"godkendt": "godkendt", "afvist": "afvist", "udsat": "udsat"},
    "udsat": {"dagsorden": "sat_paa_dagsorden", "genoptaget": "afventer"},
    "godkendt": {},
    "afvist": {},
}

IMPLEMENTATION_ALLOWED: dict[str, dict[str, str]] = {
    "ikke_startet": {"i_gang": "i_gang"},
    "i_gang": {"implementeret": "implementeret"},
    "implementeret": {},
}
