"""Every word and phrase the broker recognises in mail, one table per language.

Mail clients write the same landmarks in the user's language: the line above a
forwarded message ("---------- Forwarded message ---------", "Début du message
réexpédié :"), the labels of the forwarded header ("From:", "De :"), the attribution
above a quote ("On … wrote:", "Le … a écrit :"), the footer of a phone ("Sent from my
iPhone"). People answer in their own language too ("yes please", "avec plaisir").

The code never names a phrase: it reads them from the `Language` records below, all
languages at once (a French client can forward to an English-speaking broker). To
teach the broker a language, add a `Language` to `LANGUAGES`; no code changes.

Matching is forgiving, so the entries stay short and readable:
- case and accents are ignored ("Message transféré" also matches "MESSAGE TRANSFERE");
- in answers, punctuation and apostrophes are ignored too ("d'accord" = "daccord",
  "I'd rather not" = "Id rather not"), and hyphens count as spaces ("allez-y");
- separators match whatever dashes, underscores, asterisks or colon surround them.

Some languages below carry only the structural landmarks (forward separators, header
labels, quote attributions, automatic subjects): enough to read a forward or strip a
quote written by their clients, not enough to read an answer. Only languages with
`answers` are ever reported as the language of a request (the broker writes to people
only in languages it has templates for).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Language:
    code: str

    # --- Landmarks of forwarded and quoted mail --------------------------------------

    # The words of a line that opens a forwarded message; "-- X --", "X:" and "> X"
    # all match the entry "X".
    forward_separators: tuple[str, ...] = ()
    # The words of a line that opens the original of a reply or of a forward (Outlook
    # uses the same line for both: only the subject tells them apart).
    original_separators: tuple[str, ...] = ()
    # Labels of the header lines a client writes above a forwarded or quoted message,
    # by field: from, to, cc, date, subject, reply_to.
    header_labels: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # An attribution line above a quote: starts with an opener, ends with a verb and a
    # colon ("On Tue, 3 May 2022 at 10:00, Jane <jane@x> wrote:").
    quote_openers: tuple[str, ...] = ()
    quote_verbs: tuple[str, ...] = ()
    # Words around the date and the name in an attribution that are not part of the
    # name ("at", "à", "időpontban"): skipped when reading the author's name.
    attribution_words: tuple[str, ...] = ()
    # Subject prefixes a client adds when forwarding, or when replying.
    forward_prefixes: tuple[str, ...] = ()
    reply_prefixes: tuple[str, ...] = ()
    # Beginnings of the footer a phone or webmail adds below the text; the footer and
    # everything under it is not what the person wrote.
    mobile_footers: tuple[str, ...] = ()
    # Beginnings of the legal notice a company adds under a message ("This email and
    # any attachments are confidential…"): it and everything under it is not what the
    # person wrote.
    disclaimers: tuple[str, ...] = ()
    # Beginnings of the warning a mail server writes above a message from outside its
    # organisation ("CAUTION: This email originated from outside…"): that paragraph is
    # not what the person wrote. An entry in brackets ("[EXTERNAL]") is a tag before the
    # text on the same line: only the tag goes.
    external_banners: tuple[str, ...] = ()
    # Subject beginnings of automatic replies and delivery reports.
    auto_subjects: tuple[str, ...] = ()
    # What challenge-response spam filters write: "confirm you are human" before the
    # message is delivered. Matched anywhere in the body; keep them specific.
    challenge_phrases: tuple[str, ...] = ()

    # --- Requests written to the broker ----------------------------------------------

    # Labels of an explicit request ("Introduce: Jane <jane@x>").
    introduce_labels: tuple[str, ...] = ()
    target_labels: tuple[str, ...] = ()
    context_labels: tuple[str, ...] = ()
    lang_labels: tuple[str, ...] = ()
    # One-line request: "<verb> Name <addr> <connector> Name <addr>".
    introduce_verbs: tuple[str, ...] = ()
    target_connectors: tuple[str, ...] = ()
    # Words of a request to meet someone, anywhere in a sentence ("Could you put me in
    # touch with Jane <jane@x>?"): with two addresses, an explicit request; in a
    # forwarded message, the one person the requester wants to meet.
    meet_verbs: tuple[str, ...] = ()
    # How a note names the author of the forwarded message ("introduce Carol <c@x> to
    # the author of this post"): then the person named is the requester.
    author_references: tuple[str, ...] = ()
    # Capitalised words that precede a name in prose but are not part of it
    # ("Please meet Jane Doe <jane@x>" names "Jane Doe").
    name_stopwords: tuple[str, ...] = ()
    # Lowercase words inside a name ("Jean de la Fontaine", "Ludwig van Beethoven").
    name_particles: tuple[str, ...] = ()
    # Frequent short words, to tell which language a note is written in.
    common_words: tuple[str, ...] = ()
    # How people name this language in a "Lang:" line ("fr", "French", "français").
    names: tuple[str, ...] = ()
    # The words a bare request is made of ("Hi, could you please introduce Ann to Jane?
    # Thanks!"): what is left of a note without them and the names is its context.
    request_filler: tuple[str, ...] = ()
    # A note that opens with one of these asks the broker to decline the forwarded
    # request in the referrer's name ("Decline — we never worked together").
    decline_words: tuple[str, ...] = ()

    # --- What a referrer's note asks: a request, a decline, or neither ----------------
    # Read clause by clause, anywhere in the note; case, accents, apostrophes and
    # hyphens are ignored ("dis-lui" = "dis lui", "can't" = "can t"), and "…" in an
    # entry stands for up to three words ("let … down" matches "let him down").
    #
    # A clause that asks to decline in the referrer's name: an instruction ("send him a
    # polite no", "let her down gently", "merci de refuser") or the referrer's own
    # refusal ("I'll pass on this one", "can't vouch for him", "je passe mon tour").
    # It does not count when negated ("don't decline this one", "je ne refuse pas":
    # `note_negators`), when it is someone else's ("he may decline": `decline_subjects`),
    # or when the clause doubts (`doubts`).
    decline_phrases: tuple[str, ...] = ()
    # A sentence that is nothing but one of these, courtesy aside, is a decline ("No.",
    # "Pass. Politely.", "Bof, non."): alone, they may mean anything ("no rush").
    decline_alone: tuple[str, ...] = ()
    # Words of a note that leave the decision to the broker ("your call", "je te laisse
    # voir"): the note is neither a request nor a decline; the referrer is asked.
    delegations: tuple[str, ...] = ()
    # Doubt ("not sure", "maybe", "peut-être"): a note that doubts is no request, and
    # a decline counts only in a clause free of doubt.
    doubts: tuple[str, ...] = ()
    # A note that is nothing but one of these asks for nothing ("FYI", "Thoughts?",
    # "Pour info", "Tu peux faire le nécessaire ?"): the referrer is asked.
    unclear_alone: tuple[str, ...] = ()
    # Courtesy and interjections around a short note or sentence ("please", "politely",
    # "merci", "bof"): left out when a sentence is compared with `decline_alone` or a
    # note with `unclear_alone`.
    note_courtesy: tuple[str, ...] = ()
    # Words that negate what follows them in their clause ("don't", "rather not", "ne",
    # "pas"): "don't introduce them to Mia" spares Mia, "don't decline" is no decline.
    note_negators: tuple[str, ...] = ()
    # Set phrases read as blanks: they look like a negation, a refusal or a subject but
    # say nothing of the request ("don't hesitate", "no problem", "s'il te plaît").
    note_figures: tuple[str, ...] = ()
    # Single words that join two clauses, each read on its own ("but", "so", "mais").
    clause_joiners: tuple[str, ...] = ()
    # Before a decline phrase in its clause, someone else's refusal, not the referrer's
    # ("he may decline", "elle risque de refuser").
    decline_subjects: tuple[str, ...] = ()
    # Verbs asking the broker to introduce ("please connect them", "mets-les en
    # relation"). Negated, they spare the person named after them ("don't introduce
    # them to Mia"), like `spare_verbs` negated ("don't bother Priya", "ne pas
    # transmettre à Karim").
    request_verbs: tuple[str, ...] = ()
    spare_verbs: tuple[str, ...] = ()
    # Indefinite people ("someone on the finance side", "quelqu'un de chez nous"): a
    # request that names nobody leaves the choice of the person to the broker.
    indefinite_persons: tuple[str, ...] = ()
    # Words just before a phrase of `author_references` that make it a description of
    # the person named ("Carol is the author of a great book"), not the forwarded author.
    copulas: tuple[str, ...] = ()
    # Words just before the person a note names that make them the one who asks ("an
    # intro on behalf of Yannick <y@x>", "de la part de …"): with the forwarded author
    # referred to, the person named is the requester.
    requester_markers: tuple[str, ...] = ()
    # A sentence that gives the referrer's own other address ("my personal address is
    # …", "je change d'adresse"): that address is nobody to introduce.
    own_address_cues: tuple[str, ...] = ()
    # Phrases that spare the person named in their clause without a negation ("keep
    # Jane out of it", "laisse Jane tranquille").
    spare_phrases: tuple[str, ...] = ()
    # A note that names nobody takes the person the forwarded message asks for only
    # when it agrees: it asks (`request_verbs`), names that person, approves ("happy
    # to help", "vas-y"), or only points at the message ("See below.", or nothing).
    approvals: tuple[str, ...] = ()
    forward_pointers: tuple[str, ...] = ()
    # A referrer's commands by email, each the whole of what they write: a new message
    # asking how their referrals stand, a reply to one of the broker's messages about a
    # referral asking to call it off.
    status_words: tuple[str, ...] = ()
    cancel_words: tuple[str, ...] = ()

    # --- Answers to a consent request --------------------------------------------------

    answers: Answers | None = None


@dataclass(frozen=True)
class Answers:
    """How people say yes, no and stop in one language.

    A phrase counts when its words appear in a row; `answers.classify` decides what a
    mix of them means. Precision first: a reply is a yes only when a sentence agrees to
    the introduction and nothing anywhere in it points elsewhere (a negation, a hedge, a
    contrast, a question of doubt, a yes to something else). The tables below say what
    each word is; the reader never names a phrase.
    """

    yes: tuple[str, ...]
    no: tuple[str, ...]
    # Asking never to be written to again: a no, plus the suppression list.
    stop: tuple[str, ...]
    # Words that are a stop only when they are the whole answer ("Stop." but not
    # "I'll stop by next week").
    stop_alone: tuple[str, ...]
    # Phrases whose "no" is a figure of speech ("No problem, happy to!").
    figures: tuple[str, ...]
    # Words that, just before a yes phrase, turn it around ("not sure", "pas d'accord").
    negators: tuple[str, ...]
    # Doubt, conditions and requests for more: never a clear yes.
    hedges: tuple[str, ...]
    # Courtesy that opens or closes a message, skipped when reading the note.
    greetings: tuple[str, ...]
    closings: tuple[str, ...]
    # Little words that may come before a one-word answer ("Oh yes", "Well, no").
    interjections: tuple[str, ...] = ()
    # Words that join clauses: each clause may open with its own answer ("yes and no").
    conjunctions: tuple[str, ...] = ()
    # Yes phrases that are a yes only as a whole clause ("I'm in!", not "I'm in Paris").
    yes_alone: tuple[str, ...] = ()
    # What may follow a "but" after a yes without making it a doubt: a constraint on
    # timing or form ("Yes, but not before June"). The yes stands; the constraint is
    # its note. Other doubts in the same reply still make it unclear.
    constraints: tuple[str, ...] = ()
    # Questions that are not questions ("Sure, why not?").
    rhetorical: tuple[str, ...] = ()
    # Question words that doubt the request itself ("Ok... who?"), unlike a practical
    # question after a yes ("Yes! When would suit him?").
    doubt_questions: tuple[str, ...] = ()
    # Hedges that set a condition ("if", "si"). After a sentence that said yes, one
    # inside a later sentence is about logistics ("Yes. Call me if he prefers."), not
    # about the yes; at the start of a sentence ("Yes. If he pays.") it still is.
    conditions: tuple[str, ...] = ()
    # Yes phrases that are also adverbs ("tout à fait", "of course"): an answer only where
    # a clause opens ("Tout à fait !"), not inside one ("…rejoint tout à fait ce qu'on fait").
    adverbs: tuple[str, ...] = ()
    # Thanks that open a clause of courtesy ("Thanks for thinking of me, yes"): the
    # clause is left out of the note.
    thanks: tuple[str, ...] = ()
    # Words that may stand beside a yes in a sentence that says nothing but yes: the
    # people ("you", "us", "her"), courtesy, praise, the words that hold a sentence
    # together. "Yes, I'd be very glad to" is all yes; "Yes, the invoice went out" is a
    # yes to something else, because "invoice" and "went" are not here.
    plain: tuple[str, ...] = ()
    # Words of the introduction itself: a yes whose clause speaks of meeting, talking,
    # a call or a coffee is a yes to this introduction, whatever else the sentence
    # adds about the person ("Yes, I ran payments at Finlo, happy to share").
    anchors: tuple[str, ...] = ()
    # Words that turn what follows against what came before ("that said", "actually",
    # "cela dit", "en fait"). Harmless only when they open a constraint ("Yes, but not
    # before June") or doubts a person thinks aloud before deciding ("…But Rachel
    # never sent me a dud. So yes.").
    contrasts: tuple[str, ...] = ()
    # Regret ("unfortunately", "hélas"): what comes next is a reason it cannot happen,
    # unless the reply goes on to decide yes after all.
    regrets: tuple[str, ...] = ()
    # Contrasts only when alone in their clause ("Yes! Wait —", not "or wait for her").
    contrasts_alone: tuple[str, ...] = ()
    # What opens a decision taken after thinking aloud ("So yes", "Anyway", "Bref").
    resolutions: tuple[str, ...] = ()
    # Things a yes may answer that are not the introduction: other business ("the
    # invoice", "the slides"), errands, family. A reply that speaks of them is no yes to
    # this introduction.
    elsewhere: tuple[str, ...] = ()
    # How people say who they are: the "line about yourself" the consent request invites
    # after a yes ("Yes — I lead the litigation team at Acme"). Like an anchor, it makes
    # the yes one to this introduction.
    credentials: tuple[str, ...] = ()
    # Words of will, ability, availability and opinion: a negation in their clause bears
    # on the introduction ("I can't", "I don't want to", "je ne suis pas disponible"),
    # one elsewhere is a note about the person ("I'm not in London any more").
    willing: tuple[str, ...] = ()
    # What announces a note about the introduction ("heads up", "pour info"): the
    # sentence it opens speaks of the introduction, whatever it says next.
    note_markers: tuple[str, ...] = ()
    # Saying when one is not available: with a time ("not available on Fridays", "pas
    # dispo le matin") a constraint, not a no.
    unavailable: tuple[str, ...] = ()
    # Words after which a name is one of the people of the introduction ("to Alice",
    # "with Ms Okafor", "avec M. Dubois").
    name_leads: tuple[str, ...] = ()
    # Articles and pronouns elided before a vowel ("d'échanger", "l'équipe"): matching
    # drops the apostrophe, so "d'échanger" reads "dechanger", which is "échanger".
    elisions: tuple[str, ...] = ()
    # Words before a time of day: "at 3", "à 14h" names an appointment; "after 3",
    # "avant 10h" sets a limit.
    time_prepositions: tuple[str, ...] = ()
    time_limits: tuple[str, ...] = ()


# --- English -----------------------------------------------------------------------------

EN = Language(
    code="en",
    forward_separators=(
        "Forwarded message",
        "Begin forwarded message",
        "Forwarded e-mail",
        "Forwarded email",
        "Forwarded mail",
    ),
    original_separators=("Original Message", "Original e-mail", "Original email"),
    header_labels={
        "from": ("From",),
        "to": ("To",),
        "cc": ("Cc", "Bcc"),
        "date": ("Date", "Sent"),
        "subject": ("Subject",),
        "reply_to": ("Reply-To", "Reply to"),
    },
    quote_openers=("On",),
    quote_verbs=("wrote", "writes"),
    attribution_words=("at", "am", "pm", "a.m.", "p.m.", "on"),
    forward_prefixes=("Fwd", "Fw", "Forward", "Forwarded"),
    reply_prefixes=("Re",),
    disclaimers=(
        "This email and any attachments", "This e-mail and any attachments",
        "This message and any attachments", "This email and any files", "This e-mail and any files",
        "This email is confidential", "This e-mail is confidential", "This message is confidential",
        "This message contains confidential", "This email contains confidential",
        "This e-mail contains confidential", "This communication is confidential",
        "The information contained in this", "The information in this email",
        "The content of this email is confidential", "Confidentiality notice", "Confidentiality note",
        "Disclaimer:", "Legal disclaimer", "Important notice:", "Please consider the environment",
        "Think before you print", "This message may contain", "This email may contain", "This e-mail may contain",
        "This communication may contain", "This message (including any attachments)",
        "This email (including any attachments)", "NOTICE: This", "IMPORTANT: This", "Privileged and confidential",
        "Privileged & confidential",
    ),
    external_banners=(
        "CAUTION: This email originated from outside", "CAUTION: This e-mail originated from outside",
        "CAUTION: External email", "This email originated from outside", "This message originated from outside",
        "EXTERNAL EMAIL:", "External email:", "WARNING: This email originated", "WARNING: External email",
        "This message is from an external sender", "This email is from an external sender",
        "[EXTERNAL]", "[External]", "[EXT]", "[External Email]", "[EXTERNAL EMAIL]",
    ),
    challenge_phrases=(
        "confirm you are human", "confirm that you are human", "confirm you are a human",
        "verify you are human", "verify that you are human", "prove you are human",
        "prove that you are human", "confirm you are not a robot", "please confirm your message",
        "confirm your message", "i'm protected by", "i am protected by", "spam arrest",
        "challenge-response", "challenge response", "your message is awaiting verification",
        "awaiting your confirmation before", "added to my list of approved senders",
        "add you to my list of approved senders", "to have your message delivered",
    ),
    mobile_footers=(
        "Sent from",  # my iPhone, my Galaxy, Mail for Windows, Outlook, Yahoo Mail…
        "Sent via",
        "Sent with",
        "Sent using",
        "Get Outlook for",
    ),
    auto_subjects=(
        "Out of Office",
        "Out of the office",
        "OOO:",
        "Automatic reply",
        "Auto reply",
        "Auto-reply",
        "Autoreply",
        "Auto response",
        "Auto-response",
        "Autoresponse",
        "AutoRespons",
        "Auto:",
        "Away from the office",
        "Undeliverable",
        "Undelivered Mail",
        "Delivery Status",
        "Delivery Notification",
        "Delivery failure",
        "Delivery has failed",
        "Mail delivery failed",
        "Mail delivery failure",
        "Mail System Error",
        "Returned mail",
        "Failure notice",
        "Message not delivered",
        "Undeliverable mail",
        "Read receipt",
        "Please confirm your message",
        "Confirm your message",
        "Verification required",
        "Sender verification",
        "Anti-spam verification",
        "Spam verification",
        "Challenge:",
        "Email verification required",
    ),
    introduce_labels=("Introduce", "Intro", "Requester"),
    target_labels=("To", "With", "Target", "Meet"),
    context_labels=("Why", "Context", "Reason", "Background"),
    lang_labels=("Lang", "Language"),
    introduce_verbs=("Introduce", "Intro", "Connect"),
    target_connectors=("to", "with", "and"),
    meet_verbs=(
        "introduce", "intro", "connect", "meet", "put me in touch", "put him in touch", "put her in touch",
        "put them in touch", "in touch with", "talk to", "talk with", "speak to", "speak with",
        "get in touch", "reach out to", "contact", "chat with", "be introduced", "ask", "check with",
        "write to", "make an introduction", "make the introduction", "make an intro", "make the intro",
        "introduction between", "intro between",
    ),
    author_references=(
        "the author", "its author", "the writer", "the sender", "whoever wrote", "the person who wrote",
        "author of", "writer of", "the speaker", "the person below", "the one who wrote", "the one who sent",
        "whoever sent", "the signatory", "this guy", "this gentleman", "this lady", "this woman", "this man",
        "this person", "the guy below", "the woman below", "the man below", "the poster",
        "the person who emailed", "the person who contacted", "whoever emailed", "the person who sent",
        "whoever this is", "the person in the email", "the person in this email", "the person in the message",
        "the gentleman below", "the lady below", "this founder", "this candidate", "this speaker",
        "the lady who wrote", "the woman who wrote", "the man who wrote", "the gentleman who wrote",
        "who wrote the email", "who wrote the message", "who wrote this",
    ),
    name_stopwords=(
        "Please", "Pls", "Meet", "Introduce", "Intro", "Connect", "Hi", "Hello", "Hey",
        "Dear", "To", "With", "And", "The", "I", "He", "She", "They", "We", "You", "Could",
        "Can", "Would", "Will", "This", "That", "Here", "Also", "Thanks", "Thank", "Cc",
        "Contact", "Mr", "Mrs", "Ms", "Dr", "My", "Our", "His", "Her", "Their",
    ),
    names=("en", "eng", "english", "anglais"),
    decline_words=("decline", "please decline", "politely decline", "decline please", "decline this"),
    decline_phrases=(
        "decline", "declining", "refuse", "refusal", "reject", "turn … down", "let … down", "say no", "saying no",
        "won't be able to make this introduction", "can't make this introduction", "cannot make this introduction",
        "unable to make this introduction", "not able to make this introduction", "won't be making this introduction",
        "tell him no", "tell her no", "tell them no", "it's a no", "this is a no", "that's a no", "this one's a no",
        "it is a no", "a no from me", "no from me", "no for me", "no to this", "no to that", "no on this", "hard no",
        "firm no", "polite no", "kind no", "courteous no", "gentle no", "nice no", "soft no", "friendly no",
        "graceful no", "respectful no", "tactful no", "short no", "warm no", "no thanks", "no thank you",
        "the answer is no", "answer's no", "pass on this", "pass on that", "pass on it", "pass on him",
        "pass on her", "pass on them", "have to pass", "going to pass", "gonna pass", "will pass", "i'll pass",
        "i'd pass", "rather pass", "polite pass", "pass politely", "can't vouch", "cannot vouch", "can not vouch",
        "couldn't vouch", "won't vouch", "unable to vouch", "not vouch", "not someone i can vouch",
        "not someone i'd vouch", "not someone i would vouch", "no one i can vouch", "nobody i can vouch",
        "too busy to vouch", "can't recommend", "cannot recommend", "couldn't recommend", "won't recommend",
        "not comfortable", "not in a position to", "can't help", "cannot help", "can't be of help", "unable to help",
        "not able to help", "can't make the intro", "can't make this intro", "can't make an intro",
        "can't make the introduction", "cannot make the intro", "won't make the intro", "not make the intro",
        "not making the intro", "can't introduce", "cannot introduce", "won't introduce", "not going to introduce",
        "rather not introduce", "prefer not to introduce", "i'd rather not", "i would rather not", "i'd prefer not",
        "i would prefer not", "prefer not to", "rather not", "not a fit", "not a good fit", "isn't a fit",
        "not the right fit", "not put my name", "not something i can", "not something i'd", "can't do this one",
        "count me out", "sit this one out", "skip this one", "give it a miss", "not this one", "not this time",
        "hard pass", "not … i can help", "not … i can vouch", "nothing i can do", "brush … off", "brush off",
        "respond no", "reply no", "answer no", "answer is no", "a no", "send … a no", "it's a pass",
        "a pass from me", "not for me", "not going to happen", "not going to make", "unable to make",
        "not … make … intro", "not … make … introduction", "won't be making", "not be making", "no can do",
        "not interested", "not keen", "take a pass", "my regrets", "send regrets", "say i can't", "not possible",
        "won't be possible", "doesn't work for me", "let's not", "bow out", "i'm out", "count me out",
    ),
    decline_alone=("no", "nope", "nah", "pass", "no thanks", "no thank you", "hard no", "no way", "not this one",
                   "not this time", "i'll pass", "i pass", "decline", "no go", "a no", "no sorry", "sorry no",
                   "hard pass", "no can do", "not interested", "not for me"),
    delegations=(
        "your call", "up to you", "you decide", "you choose", "your choice", "your decision", "leave it to you",
        "leave it with you", "over to you", "do what you think", "do whatever you think", "whatever you think",
        "as you see fit", "however you see fit", "if you think", "unless you think", "if you feel",
        "use your judgment", "use your judgement", "your judgment", "your judgement", "dealer's choice",
        "not for me to decide", "do what you want", "whatever you want", "do as you like", "as you like",
        "you'll know best", "you know best", "either way is fine", "i'll let you decide", "let you decide",
        "let you judge", "let you be the judge", "you tell me",
    ),
    doubts=("not sure", "unsure", "maybe", "perhaps", "or not", "not certain", "don't know if",
            "don't know whether", "no idea if", "no idea whether", "on the fence", "i wonder", "possibly",
            "not convinced", "in two minds", "torn"),
    unclear_alone=(
        "fyi", "fyi only", "for your information", "for info", "for your info", "thoughts", "any thoughts",
        "your thoughts", "what do you think", "what do you reckon", "can you handle this", "could you handle this",
        "can you handle", "please handle", "handle this", "handle this one", "can you deal with this",
        "deal with this", "take care of this", "can you take care of this", "could you take care of this",
        "please advise", "see what you can do", "heads up", "just so you know", "interesting", "for you",
        "over to you", "your call", "up to you", "thoughts on this", "any ideas", "ideas", "hmm", "hm", "meh",
        "hmmm", "well",
    ),
    note_courtesy=(
        "please", "pls", "plz", "thanks", "thank you", "thx", "ty", "cheers", "politely", "kindly", "nicely",
        "gently", "courteously", "sorry", "honestly", "well", "hmm", "hm", "hi", "hello", "hey", "ok", "okay",
        "just", "for me", "then", "again", "sadly", "alas", "unfortunately", "be nice", "thanks in advance",
        "many thanks", "best", "regards", "i'm afraid", "afraid", "on my behalf", "from me", "with thanks",
        "polite but firm", "but be nice about it", "about it", "here", "on this one", "on this",
    ),
    note_negators=(
        "not", "don't", "dont", "do not", "doesn't", "does not", "didn't", "did not", "can't", "cant", "cannot",
        "won't", "wont", "will not", "wouldn't", "would not", "shouldn't", "should not", "isn't", "aren't",
        "never", "no need to", "without", "rather than", "instead of", "unable to", "hold off", "no longer",
        "under no circumstances", "in no case", "by no means", "not comfortable",
    ),
    note_figures=(
        "don't hesitate", "do not hesitate", "never hesitate", "can't wait", "cannot wait", "not only",
        "no doubt", "without doubt", "without hesitation", "can't recommend … enough", "cannot recommend … enough",
        "couldn't recommend … more", "can't speak highly enough", "no problem", "not a problem", "no worries",
        "no rush", "no hurry", "not least", "no-brainer", "no brainer",
    ),
    clause_joiners=("but", "so", "and", "then", "though", "although", "however", "also", "or",
                    "otherwise", "instead", "because", "since"),
    decline_subjects=("he", "she", "they", "may", "might", "probably", "likely", "whether", "in case",
                      "if he", "if she", "if they"),
    request_verbs=(
        "introduce", "intro", "connect", "put … in touch", "in touch with", "meet", "make the intro",
        "make an intro", "make the introduction", "make an introduction", "set up", "set it up", "set this up",
        "set that up", "reach out to", "contact", "loop in", "hook … up", "link … up", "pair … with",
        "send the intro", "send the formal intro", "send an intro",
    ),
    spare_verbs=(
        "bother", "disturb", "loop in", "cc", "copy", "forward", "pass … on", "send", "write to", "email",
        "involve", "trouble", "pester", "reach out", "drag … into", "burn goodwill", "sending him over",
        "sending her over", "bothering", "disturbing", "looping in", "forwarding", "passing … on", "sending",
        "writing to", "emailing", "contacting", "introducing", "connecting", "involving", "copying",
    ),
    indefinite_persons=("someone", "somebody", "anyone", "anybody", "a person", "one of", "whoever you"),
    copulas=("is", "was", "s", "are", "were", "be"),
    requester_markers=("on behalf of", "at the request of", "requested by", "asked by", "request from",
                       "intro request from"),
    own_address_cues=(
        "my address", "my personal address", "my new address", "my other address", "my private address",
        "my email", "my personal email", "my new email", "my e-mail", "reach me at", "write to me at",
        "my home address", "my gmail", "if anything bounces",
    ),
    spare_phrases=("keep … out", "leave … out", "leave … alone", "spare", "off limits", "off-limits"),
    approvals=("yes", "sure", "ok", "okay", "go ahead", "happy to", "glad to", "go for it", "of course",
               "by all means", "please do", "fine by me", "good by me", "all good"),
    forward_pointers=("see below", "below", "see attached", "attached", "see the message below", "as below",
                      "forwarding", "forwarded", "see his message", "see her message", "see below for details"),
    status_words=("status", "status please", "my referrals", "my introductions", "open referrals",
                  "open introductions", "where are my introductions", "where do my introductions stand"),
    cancel_words=("cancel", "cancel it", "cancel this", "please cancel", "cancel please", "cancel this one",
                  "cancel the introduction", "cancel this introduction", "cancel the request",
                  "cancel this request", "please cancel this", "please cancel it"),
    request_filler=(
        "hi", "hello", "hey", "dear", "please", "pls", "thanks", "thank", "you", "your", "could", "would",
        "can", "will", "may", "might", "do", "mind", "kindly", "introduce", "introduction", "intro", "connect",
        "connection", "put", "touch", "meet", "to", "and", "with", "the", "a", "an", "of", "for", "me", "my",
        "her", "him", "them", "they", "she", "he", "this", "that", "these", "here", "there", "is", "are",
        "be", "in", "on", "it", "its", "see", "below", "above", "attached", "forwarded", "message", "email",
        "mail", "fyi", "fwd", "help", "great", "best", "regards", "cheers", "ok", "okay", "if", "possible",
        "sure", "quick", "question", "request", "person", "someone", "lang", "english", "french", "why",
        "context", "who", "what",
    ),
    common_words=(
        "the", "and", "to", "is", "you", "with", "for", "this", "i", "he", "she", "we",
        "they", "of", "in", "a", "an", "be", "would", "could", "please", "thanks",
        "meet", "introduce", "know", "worked", "years", "him", "her", "them", "his",
        "who", "about", "at", "on", "it", "hi", "hello", "best", "regards",
    ),
    answers=Answers(
        yes=(
            "yes", "yes please", "yep", "yup", "yeah", "yea", "sure", "sure thing", "of course",
            "happy to", "glad to", "pleased to", "delighted", "i'd be happy",
            "i would be happy", "i'd be glad", "i'd love to", "i would love to",
            "would love to", "love to", "ok", "okay", "okey", "alright", "all right",
            "sounds good", "sounds great", "absolutely", "definitely", "certainly",
            "gladly", "go ahead", "please do", "please go ahead", "count me in",
            "with pleasure", "i agree", "agreed", "i accept",
            "i'm interested", "i am interested", "works for me",
            "fine by me", "fine with me", "please introduce", "please connect",
            "i'd like that", "i would like that", "that would be great", "would be great",
            # Praise alone ("Great, thanks!", "Perfect") acknowledges as much as it agrees: no yes.
            "that works", "with great pleasure",
            "go for it", "by all means", "very happy to", "more than happy to", "let's do it",
            "let's do this", "i don't mind", "i wouldn't mind", "i do not mind",
            "i'm happy to", "i am happy to", "i'm glad to", "i am glad to", "i'd be delighted",
            "please introduce us", "please connect us", "introduce us", "connect us", "put us in touch",
            # "Why not!" is a yes; asked as a question ("Why not ask Bob?") it is unclear anyway.
            "why not", "don't see why not", "can't see why not", "i don't see why not",
            "ya sure", "yess", "i'm keen", "i am keen", "keen to", "i'd love that", "i would love that",
            "accepted", "i consent", "consent given", "feel free to introduce", "feel free to connect",
            "i would be delighted", "would be delighted", "i'd be pleased", "i would be pleased", "would be pleased",
            "please proceed", "kindly proceed", "proceed with the introduction", "i would welcome",
            "would welcome an introduction", "i'd welcome", "happy to be introduced", "glad to be introduced",
            "happy to accept", "glad to accept", "i accept this introduction", "that's a yes", "a yes from me",
            "my agreement", "my consent", "no objection to", "hook us up", "loop us in", "so yes", "i say yes",
            "no issue with that", "no problem with that", "no objection to that", "intro away", "fire away",
            "deffo", "set it up", "obviously", "ya", "yes from my side", "from my side", "go for it mate", "all good", "let's go", "i'm game",
            "looking forward to meeting", "look forward to meeting", "looking forward to talking",
            "look forward to talking",
            "it's a yes", "yes from me", "loop me in", "i look forward to", "looking forward to", "ofc",
            # A thumbs-up alone may only say "received": it is no yes on its own ("Sure 👍" is).
        ),
        no=(
            "no", "nope", "nah", "no thanks", "no thank you", "not interested", "it's impossible",
            "best we don't", "better we don't", "don't meet until", "not meet until",
            "impossible for me",
            "i'm not interested", "not really interested", "i'd rather not",
            "i would rather not", "rather not", "not now", "not right now",
            "not at this time", "not at the moment", "not for now", "not for me",
            "i'll pass", "i will pass", "i pass", "pass on this", "i decline",
            "decline", "i must decline", "don't want", "do not want",
            "not a good fit", "not a fit", "no need", "unfortunately not",
            "not keen", "not this time", "not really", "pass", "absolutely not", "of course not",
            "certainly not", "definitely not", "not at all", "not a good time",
            "not the right time", "bad timing", "but no", "sadly no", "so no",
            "thanks but no", "afraid not", "i'd prefer not", "i would prefer not", "prefer not",
            "not available", "not looking", "can't take", "cannot take", "can't help",
            "cannot help", "won't be able", "not able to", "unable to", "please decline",
            "don't think so", "do not think so", "it's a no", "the answer is no", "not my cup of tea",
            "please don't", "please do not", "not a chance", "no chance", "guess not", "suppose not",
            "probably not", "rather you didn't", "rather you did not", "rather not be",
            "have to decline", "i'll decline", "i will decline", "going to decline", "prefer to decline",
            "not taking", "not accepting", "not open to",
            "have to say no", "going to say no", "i'll say no", "i will say no", "i must say no",
            "prefer to skip", "skip this one", "i'll skip this", "sit this one out", "sit this out",
            "not possible", "won't be possible", "will not be possible",
            "sorry i can't", "i can't sorry", "i can't do it", "can't do it", "can't do this",
            "afraid i can't", "can't commit", "cannot commit", "too busy", "no time", "don't have time",
            "do not have time", "don't have the time", "prefer you didn't", "prefer you did not",
            "respectfully decline", "politely decline", "give it a miss", "not something i can",
            "not at this stage", "not at this point", "not the right person", "wrong person",
            "👎", "❌", "🙅",
        ),
        stop=(
            "unsubscribe", "remove me", "take me off", "removed from", "be removed", "taken off", "never contact me",
            "do not contact me", "don't contact me", "dont contact me",
            "stop contacting me", "stop emailing me", "stop writing to me",
            "stop sending me", "never email me", "never write to me",
            "leave me alone", "opt out", "opt me out", "no more emails",
            "never again", "remove my address", "remove my email", "delete my address",
            "delete my email", "do not email me", "don't email me", "dont email me", "do not write to me",
            "don't write to me", "do not contact me",
            "don't ever contact me", "don't ever email me", "don't ever write to me", "do not ever contact me",
            "do not ever email me", "never contact me again", "never email me again",
            "stop spamming", "this is spam", "is spam", "delete my data", "erase my data", "remove my data",
            "delete my details", "remove my details",
        ),
        stop_alone=("stop", "stop please", "please stop", "stop it", "stop thanks", "remove", "please remove",
                    "remove please", "spam"),
        figures=(
            "no problem", "no problemo", "no prob", "no probs", "no worries",
            "no doubt", "no question", "no questions asked", "no hesitation", "no objection",
            "not a problem", "not a problem at all", "no problem at all", "no objection from me",
            "no objections", "no objection at all", "no issue", "no issues", "not an issue",
            "long time no see", "long time no hear", "long time no speak",
            # idioms of a no that is not one: the rest of the reply decides
            "wouldn't say no", "would not say no", "not opposed", "i'm not opposed", "not against",
            "about to say no", "going to say no out of", "was going to say no", "sorry for the typos",
            "why would i say no", "why would i ever say no", "how could i say no", "who could say no", "pass on my", "pass along my",
            "feel free to pass on", "free to pass on", "please pass on", "sorry my french", "sorry, my french",
            "my french is rusty", "my french is too rusty", "sorry my english", "my english is rusty",
            "no rush", "no hurry", "not in a hurry", "not going anywhere", "no expert", "not an expert",
            "no bother", "no bother at all", "doesn't change anything", "makes no difference", "no dramas",
            "no drama",
            "even if", "even though", "can't promise miracles", "no promises", "no guarantees",
            "pass on our", "sorry for the delay", "sorry for the late reply", "sorry for the slow reply",
            "sorry for my late reply", "sorry it took me", "sorry for the wait", "sorry for replying",
            "sorry to reply", "sorry for writing", "excuse my", "pardon my",
        ),
        negators=(
            "not", "no longer", "don't", "dont", "doesn't", "didn't", "can't", "cannot", "won't",
            "wouldn't", "never", "isn't", "aren't", "no longer", "hardly", "barely", "haven't", "hasn't",
            "couldn't", "shouldn't", "wasn't", "weren't", "nobody", "nothing", "neither", "nor",
        ),
        hedges=(
            "not sure", "unsure", "maybe", "perhaps", "might", "possibly", "depends",
            "it depends", "let me think", "i'll think", "think about it", "not yet",
            "tell me more", "more info", "more information", "more details",
            "know more", "learn more", "hear more", "more about", "but first", "first tell me", "first i need",
            "first i'd like", "know first", "first, who", "first who",
            "who is", "who's", "what is", "what's", "what does", "if", "unless",
            "only if", "let me check",
            "get back to you", "probably", "pass", "yeah right", "or not", "kidding", "joking", "jk",
            "i wonder", "wondering",
            "as long as", "provided", "providing", "on condition", "assuming", "subject to",
            "depending", "dependent on", "so long as", "conditional on", "contingent on",
            "condition", "pending", "think so", "guess so", "suppose so", "i guess", "i suppose",
            "we'll see", "i'll see", "let me see", "need to check", "need to ask", "have to check", "have to ask",
            # An out-of-office written without the headers of one ("…I will be happy to
            # respond when I return"): its courtesy is no yes.
            "out of the office", "out of office", "away from the office", "limited access to", "no access to email",
            "when i return", "upon my return", "will respond when", "will reply when", "automatic reply",
            "auto-reply", "this is an automated", "this is an automatic",
            # Later, not now: a deferral is no yes.
            "think about it", "think it over", "let me think", "mull it over", "sleep on it", "get back to",
            "come back to you", "circle back", "revert", "hold off", "on hold", "ask me again", "check my calendar",
            "check with", "not ready", "down the line", "some other time", "another time", "rain check",
            "next quarter", "next year", "in a few months", "touch base", "keep you posted",
            # Someone else: the introduction should go to another person.
            "instead", "rather than me", "better person", "better placed", "right person", "colleague",
            "talk to my team", "speak to my team", "contact my team", "my team handles", "my team will",
            "someone else", "somebody else", "in charge of", "point of contact", "handles", "forwarding this",
            "forwarded this", "copying", "cc'd", "cc'ing", "looping in",
            # Reported speech: somebody else's word is not the party's.
            "says yes", "said yes", "says he", "says she", "told me", "tells me", "asked me to", "on behalf of",
            "on his behalf", "on her behalf", "my assistant", "my wife", "my husband", "my partner", "my boss",
            "my manager", "approval", "approve", "approves", "sign off", "signs off", "green light",
            # Sarcasm: the words of a yes, meaning no.
            "🙄", "😒", "as if", "just what", "exactly what", "what i needed", "what my week needed",
            "because i have", "because my", "another one", "yet another", "oh great", "oh joy",
            "what a surprise", "can't wait for", "of all people", "dream come true", "just kidding", "just great",
            "went so well", "worked out so well", "because the last", "what an honour", "what an honor",
            "because last time", "is that what", "was that what", "needed to know", "wanted to know",
            "on my plate", "other things on", "in another life", "in another lifetime", "what i need",
            "because what", "just what i need", "exactly what i need",
            # Somebody must approve first: no yes yet.
            "run it by", "clear it with", "sign off on", "compliance", "legal team", "needs approval",
            # An acknowledgement, or a promise to answer later, is no answer.
            "noted", "got it", "i'll reply", "i will reply", "reply properly", "answer properly",
            "respond properly", "i'll respond", "i'll answer", "says i", "said i", "note says", "😂", "🤣", "😆", "🙃", "😏",
            "just perfect", "strikes again", "while we're at it", "while you're at it",
            # Reasons it cannot happen.
            "problem", "issue", "catch", "tricky", "complicated", "difficult", "conflict", "non-compete",
            "not allowed", "policy", "forbid", "forbids", "prohibit", "bandwidth", "leaving the company",
            "left the company", "retired", "retiring", "love to but", "like to but", "swamped", "snowed under", "drowning", "slammed", "overwhelmed", "flat out",
            "full plate", "too much on",
            # What an automatic acknowledgement says (one sent without the headers of one).
            "has been received", "have received your", "we received your", "received your message",
            "received your email", "will get back", "will respond", "will reply", "will be in touch",
            "within 24", "within 48", "business days", "working days", "ticket", "this mailbox",
            "mailbox is", "checked on", "monitored", "no longer with", "no longer monitored",
        ),
        greetings=(
            "hi", "hello", "hey", "dear", "good morning", "good afternoon",
            "good evening", "thanks", "thank you", "many thanks", "thanks a lot",
        ),
        closings=(
            "best", "best regards", "kind regards", "regards", "warm regards",
            "cheers", "thanks", "thank you", "many thanks", "all the best",
            "sincerely", "yours", "talk soon", "best wishes",
        ),
        interjections=("oh", "ah", "well", "so", "and", "then", "actually", "i mean", "lol", "haha", "hah"),
        conjunctions=("and", "or", "but", "though", "although"),
        # Saying one has no objection, alone in its clause, consents ("No objection.").
        yes_alone=("i'm in", "i am in", "i'm game", "i am game", "no objection", "no objections",
                   "no objection from me", "no objection at all",
                   # Alone, in answer to a yes-or-no question, these agree.
                   "no problem", "no problem at all", "not a problem", "no worries", "no prob"),
        constraints=(
            "not before", "not until", "only after", "only from", "only on", "only in",
            "only by", "only via", "after", "starting", "beginning", "as of", "next week",
            "next month", "later this", "in a few weeks", "in a couple of weeks", "preferably",
            "ideally", "by email", "by phone", "over email", "january", "february", "march",
            "april", "in may", "june", "july", "august", "september", "october", "november",
            "december", "monday", "tuesday", "wednesday", "thursday", "friday", "weekends",
            "mornings", "afternoons", "evenings", "i'm free after", "i'm free from", "free after",
            "free from", "i'm available after", "i'm available from", "available after", "available from",
            "i'm back on", "i'm back after", "back after", "until", "till", "not in person", "in person",
            "max", "at the earliest", "at the latest", "this week", "this month", "tomorrow", "today",
            "if possible", "where possible", "if that works", "if that suits", "video only", "phone only",
            "calls only", "by video", "by zoom", "over zoom",
            "no calls before", "no calls until", "no meetings before", "no meetings until", "nothing before",
            "i can only", "can only", "only give",
            "not this week", "not this month", "not today", "not tomorrow", "not next week", "all week",
            "otherwise",
            "nothing after", "before the", "until the", "if that suits him", "if that suits her",
            "if it suits him", "if it suits her", "if that works for him", "if that works for her",
        ),
        rhetorical=("why not", "why would i say no", "why would i ever say no", "how could i say no"),
        doubt_questions=("who", "whom", "whose", "why"),
        conditions=("if", "unless"),
        thanks=("thanks", "thank you", "many thanks", "thanks a lot", "cheers"),
        plain=(
            # the people
            "i", "im", "id", "ive", "ill", "me", "my", "myself", "we", "were", "us", "our", "you", "your",
            "youre", "he", "him", "his", "she", "her", "they", "them", "their", "it", "its", "both", "each",
            "other", "everyone", "one", "all",
            # the words that hold a sentence together
            "a", "an", "the", "this", "that", "to", "of", "for", "with", "at", "on", "by", "about", "as",
            "and", "so", "too", "also", "just", "really", "very", "much", "indeed", "truly", "quite", "more",
            "most", "be", "been", "am", "is", "are", "will", "would", "could", "can", "shall", "should", "do",
            "does", "go", "ahead", "let", "lets", "make", "happen", "put", "set", "up", "feel", "free", "have",
            "send", "over", "mate", "buddy", "pal", "folks", "guys", "team", "email", "e-mail", "mail", "note",
            "through",
            "message", "from", "thinking", "setting", "arranging", "definately", "ofc", "still", "again",
            "here", "there", "now", "anytime", "whenever", "soon", "asap", "ready", "available", "open",
            "it", "thing", "things", "sure", "yes", "yeah", "yep", "ok", "okay", "hey", "hi", "hello",
            # courtesy and praise
            "please", "pls", "plz", "kindly", "thanks", "thank", "cheers", "sounds", "sound", "like", "love",
            "lovely", "nice", "great", "good", "wonderful", "brilliant", "fantastic", "excellent", "perfect",
            "fine", "happy", "glad", "pleased", "delighted", "keen", "eager", "interested", "interesting",
            "excited", "thrilled", "welcome", "honoured", "honored", "pleasure", "idea", "opportunity",
            "fit", "match", "absolutely", "definitely", "certainly", "totally", "gladly", "course",
            "exciting", "amazing", "awesome", "cool", "worth", "much", "appreciated", "appreciate",
        ),
        anchors=(
            "meet", "introduce", "introduced", "introduction", "introductions", "intro", "connect",
            "connected", "connection", "touch", "talk", "chat", "speak", "call", "phone", "zoom", "video",
            "coffee", "lunch", "drink", "help", "advice", "share", "conversation", "reach", "exchange",
            "discuss", "thread", "corresponding", "pointers", "tips", "insights", "slot", "make time",
            "calls", "chats", "coffees", "meetings", "intros", "get hold of", "joindre",
            "find time", "find a time",
        ),
        contrasts=(
            "but", "however", "though", "although", "that said", "having said that", "that being said",
            "actually", "on second thought", "on second thoughts", "scratch that", "then again", "wait a second",
            "wait a minute", "wait a sec", "oh wait", "actually wait", "no wait", "hold on",
            "except", "only thing", "nevertheless", "nonetheless", "hmm", "hm", "mind you",
        ),
        contrasts_alone=("wait", "hold on"),
        regrets=("unfortunately", "sadly", "alas", "afraid", "sorry", "regret", "regrettably", "shame", "pity"),
        resolutions=(
            "so", "anyway", "anyways", "in short", "all in all", "long story short", "to answer your question",
            "bottom line", "in any case", "all that said", "all things considered", "in the end", "still",
        ),
        elsewhere=(
            "invoice", "invoices", "contract", "contracts", "slides", "deck", "payment", "paid", "signed",
            "receipt", "received", "attendance", "rsvp", "dinner", "party", "wedding", "birthday", "kids",
            "milk", "groceries", "mum", "mom", "dad", "babe", "honey", "darling", "sweetie", "coach", "board",
            "report", "spreadsheet", "document", "attachment", "password", "order", "delivery",
            "shipment", "package", "appointment", "reservation", "booking", "tickets",
            "got your", "got it", "the right", "that's me",
            "it's me", "workshop", "webinar", "invite", "invitation", "proposal", "works for the", "work for the",
        ),
        willing=(
            "can", "cant", "cannot", "could", "couldnt", "will", "wont", "would", "wouldnt", "should", "shouldnt",
            "able", "available", "free", "time", "want", "wish", "need", "like", "love", "mind", "care", "keen",
            "interested", "ready", "sure", "think", "believe", "feel", "see", "agree", "mean", "meant", "ask",
            "asked", "accept", "help", "do", "doing", "worth", "point", "idea", "good", "right", "fit", "comfortable",
            "happy", "glad", "possible", "allowed", "make", "go", "proceed", "happen", "bother", "say", "said",
            "says",
        ),
        adverbs=("of course", "sure thing", "by all means", "very much", "absolutely"),
        unavailable=("not available", "unavailable", "not free", "not around", "away", "out of office"),
        name_leads=("to", "with", "and", "meet", "mr", "mrs", "ms", "miss", "dr", "prof", "dear", "hi", "hello"),
        note_markers=("heads up", "bear in mind", "just so you know", "fyi", "for context", "for reference",
                      "for info", "note that", "please note"),
        time_prepositions=("at", "around", "by"),
        time_limits=("after", "before", "from", "until", "till", "since", "past"),
        credentials=(
            "i lead", "i run", "i head", "i manage", "i direct", "i work", "i advise", "i teach", "i coach",
            "i'm a", "i am a", "i'm an", "i am an", "i've been", "i have been", "i spent", "i founded",
            "i co-founded", "i built", "i ran", "i led", "i headed", "i started", "we're a", "we are a",
            "i know the sector", "i know the space", "i know the field", "i know his sector", "i know her sector",
            "my field", "my area", "my background", "my specialty", "my speciality", "i specialise", "i specialize",
        ),
    ),
)


# --- French ------------------------------------------------------------------------------

FR = Language(
    code="fr",
    forward_separators=(
        "Message transféré",
        "Message transmis",
        "Début du message réexpédié",
        "Début du message transféré",
        "Message réexpédié",
        "Courriel transféré",
        "E-mail transféré",
        "Mail transféré",
    ),
    original_separators=("Message d'origine", "Message original", "Message initial", "Mail original"),
    header_labels={
        "from": ("De", "Expéditeur"),
        "to": ("À", "A", "Pour", "Destinataire", "Destinataires"),
        "cc": ("Cc", "Cci", "Copie à", "Copie"),
        "date": ("Date", "Envoyé", "Envoyé le", "Envoyé par"),
        "subject": ("Objet", "Sujet"),
        "reply_to": ("Répondre à",),
    },
    quote_openers=("Le",),
    quote_verbs=("a écrit", "écrit", "a ecrit"),
    attribution_words=("à", "a", "h", "le"),
    forward_prefixes=("TR", "Tr", "Transf", "Fwd", "Fw"),
    reply_prefixes=("Re", "Réf", "Rép"),
    disclaimers=(
        "Ce message et toutes les pièces jointes", "Ce message et les pièces jointes",
        "Ce message et ses pièces jointes", "Ce courriel et les pièces jointes",
        "Ce courriel et toutes les pièces jointes", "Ce message est confidentiel",
        "Ce courriel est confidentiel", "Ce message électronique et", "Ce message contient des informations",
        "Les informations contenues dans ce", "Le contenu de ce message est confidentiel",
        "Avertissement :", "Avis de confidentialité", "Clause de confidentialité",
        "Ce message peut contenir", "Ce courriel peut contenir", "Ce message électronique peut contenir",
        "Ce message (y compris", "Ce courriel (y compris",
        "Pensez à l'environnement", "Merci de penser à l'environnement", "Afin de contribuer au respect de l'environnement",
        "Avant d'imprimer",
    ),
    external_banners=(
        "ATTENTION : Ce courriel provient", "ATTENTION : Ce message provient", "ATTENTION : Cet e-mail provient",
        "ATTENTION: Ce courriel provient", "ATTENTION: Ce message provient", "Ce courriel provient de l'extérieur",
        "Ce message provient de l'extérieur", "Ce message provient d'un expéditeur externe",
        "Courriel externe :", "Message externe :", "[EXTERNE]", "[Externe]", "[EXT]",
    ),
    challenge_phrases=(
        "vérification anti-spam", "verification anti-spam", "confirmer que vous êtes un humain",
        "confirmer que vous n'êtes pas un robot", "prouver que vous êtes humain",
        "prouver que vous n'êtes pas un robot", "veuillez confirmer votre message",
        "confirmer votre message", "votre message est en attente de validation",
        "votre message est en attente de confirmation", "je suis protégé par",
        "je suis protégée par", "liste des expéditeurs autorisés", "mailinblack",
    ),
    mobile_footers=(
        "Envoyé de mon",
        "Envoyé depuis mon",
        "Envoyé depuis",
        "Envoyé à partir de",
        "Envoyé avec",
        "Envoyé via",
        "Obtenir Outlook pour",
        "Télécharger Outlook pour",
        "Provenance : Courrier pour",
    ),
    auto_subjects=(
        "Réponse automatique",
        "Reponse automatique",
        "Réponse auto",
        "Absent du bureau",
        "Absence du bureau",
        "Message d'absence",
        "Répondeur",
        "Non remis",
        "Message non remis",
        "Non distribuable",
        "Échec de la remise",
        "Échec de remise",
        "Échec de la livraison",
        "Notification d'état de remise",
        "Notification d'échec",
        "Courrier non délivré",
        "Message non délivré",
        "Accusé de lecture",
        "Vérification anti-spam",
        "Verification anti-spam",
        "Confirmez votre message",
        "Veuillez confirmer votre message",
        "Message en attente de validation",
        "Validation de votre message",
    ),
    introduce_labels=("Présenter", "Présente", "Présentez", "Présentation", "Demandeur", "Demandeuse"),
    target_labels=("À", "A", "Avec", "Cible", "Rencontrer"),
    context_labels=("Pourquoi", "Contexte", "Raison", "Motif"),
    lang_labels=("Langue",),
    introduce_verbs=("Présenter", "Présente", "Présentez"),
    target_connectors=("à", "a", "avec", "et", "vers"),
    meet_verbs=(
        "présenter", "présente", "présentez", "rencontrer", "mettre en relation", "mettre en contact",
        "mise en relation", "contacter", "parler à", "parler avec", "échanger avec", "entrer en contact",
        "voir avec", "t'adresser à", "vous adresser à", "écrire à", "demander à",
        "faire les présentations", "présentation entre", "en relation avec", "en contact avec", "en lien avec",
        "mettre en lien",
    ),
    author_references=(
        "l'auteur", "l'auteure", "l'autrice", "l'expéditeur", "l'expéditrice", "la personne qui a écrit",
        "celui qui a écrit", "celle qui a écrit", "auteur de", "autrice de", "la personne qui m'a écrit",
        "celui qui m'a écrit", "celle qui m'a écrit", "la personne ci-dessous", "la personne en dessous",
        "la personne plus bas", "l'intervenant", "l'intervenante", "le conférencier", "la conférencière",
        "le signataire", "la signataire", "ce monsieur", "cette dame", "cette personne", "ce type", "ce gars",
        "cette femme", "cet homme", "l'émetteur", "l'émettrice", "la personne qui m'a contacté",
        "celui qui m'a contacté", "celle qui m'a contactée", "la personne qui a envoyé", "le monsieur ci-dessous",
        "la dame ci-dessous", "la personne qui écrit", "celui qui écrit", "celle qui écrit", "le rédacteur",
        "la rédactrice", "la personne du mail", "la personne du message", "ce fondateur", "cette fondatrice",
        "ce candidat", "cette candidate", "la personne qui m'écrit", "celui qui m'écrit", "celle qui m'écrit",
        "qui m'écrit ci-dessous",
    ),
    name_stopwords=(
        "Bonjour", "Salut", "Coucou", "Merci", "Présenter", "Présente", "Présentez",
        "Peux", "Pourrais", "Pourriez", "Pouvez", "Peut", "À", "A", "Avec", "Et",
        "Je", "Il", "Elle", "Nous", "Vous", "Le", "La", "Les", "Cher", "Chère", "Voici",
        "Ici", "Mon", "Ma", "Mes", "Son", "Sa", "Ses", "M", "Mme", "Mlle", "Madame",
        "Monsieur", "Contacter", "Rencontrer",
    ),
    name_particles=("de", "du", "des", "la", "le", "d'"),
    names=("fr", "fra", "fre", "french", "français", "francais"),
    decline_words=("refuser", "refuse", "décliner", "décline", "merci de refuser", "merci de décliner"),
    decline_phrases=(
        "refuser", "refuse", "refusez", "refuses", "refus", "décliner", "décline", "déclinez", "déclines",
        "rejeter", "éconduire", "dire non", "dis lui non", "dites lui non", "lui dire non", "répondre non",
        "réponds lui non", "répondez lui non", "un non", "un petit non", "un beau non", "un gentil non",
        "non poli", "non courtois", "non gentil", "non sympa", "c'est non", "ce sera non", "c'est un non",
        "ça sera non", "non pour moi", "non merci", "non de ma part", "pas pour moi", "passe mon tour",
        "passer mon tour", "pas donner suite", "pas y donner suite", "sans suite", "pas possible",
        "pas faisable", "pas … recommander", "pas … me porter garant", "pas garant", "pas … aider",
        "pas à l'aise", "pas confortable", "préfère pas", "préfère ne pas", "préférerais ne pas",
        "préférerais pas", "pas cette fois", "pas … présenter", "pas … mettre en relation",
        "pas … faire le lien", "connais pas assez", "pas pour cette fois", "pas … je peux aider",
        "pas … faire … présentation", "pas … faire … mise en relation", "pas … faire … intro", "pas question",
        "hors de question", "mes regrets", "je m'abstiens", "m'abstenir", "pas suite", "pas disponible",
        "pas intéressé", "pas intéressée", "je le sens pas", "le sens pas", "pas chaud", "pas chaude",
        "pas emballé", "pas emballée",
    ),
    decline_alone=("non", "non merci", "nan", "nope", "je passe", "je vais passer", "pas pour moi", "c'est non",
                   "niet", "pas cette fois", "je décline", "non désolé", "non désolée", "désolé non", "je m'abstiens"),
    delegations=(
        "je te laisse voir", "je te laisse gérer", "je te laisse juger", "je te laisse décider",
        "je te laisse choisir", "je te laisse apprécier", "je vous laisse voir", "je vous laisse gérer",
        "je vous laisse juger", "je vous laisse décider", "je vous laisse apprécier", "je vous laisse choisir",
        "à toi de voir", "à vous de voir", "à toi de juger", "à vous de juger", "c'est toi qui vois",
        "c'est vous qui voyez", "comme tu veux", "comme vous voulez", "comme tu le sens", "comme vous le sentez",
        "fais en ce que tu veux", "faites en ce que vous voulez", "à ta discrétion", "à votre discrétion",
        "à ton appréciation", "à votre appréciation", "si tu penses", "si tu juges", "si vous pensez",
        "si vous jugez", "si tu trouves", "si vous trouvez", "à moins que tu", "à moins que vous",
        "c'est ton choix", "ta décision", "je m'en remets à toi", "je m'en remets à vous", "comme bon te semble",
        "comme bon vous semble", "ce que tu veux", "ce que tu préfères", "ce que vous préférez",
    ),
    doubts=("pas sûr", "pas sûre", "pas certain", "pas certaine", "pas convaincu", "pas convaincue", "peut-être",
            "ou pas", "je ne sais pas", "je sais pas", "sais pas trop", "j'hésite", "je me demande",
            "éventuellement", "mitigé", "mitigée"),
    unclear_alone=(
        "pour info", "pour information", "pour ton info", "pour ton information", "pour votre information",
        "pour votre info", "fyi", "à voir", "qu'en penses-tu", "qu'en pensez-vous", "t'en penses quoi",
        "vous en pensez quoi", "ton avis", "votre avis", "des idées", "une idée", "tu peux faire le nécessaire",
        "pouvez-vous faire le nécessaire", "peux-tu faire le nécessaire", "pourrais-tu faire le nécessaire",
        "pourriez-vous faire le nécessaire", "merci de faire le nécessaire", "fais le nécessaire",
        "faire le nécessaire", "tu peux gérer", "peux-tu gérer", "tu peux t'en charger", "je te laisse",
        "je vous laisse", "je te transmets", "je vous transmets", "je transmets", "à toi", "à vous", "bof",
        "hmm", "euh", "bah", "mouais",
    ),
    note_courtesy=(
        "merci", "merci d'avance", "merci beaucoup", "svp", "stp", "s'il te plaît", "s'il vous plaît", "poliment",
        "gentiment", "courtoisement", "bonjour", "salut", "coucou", "bof", "désolé", "désolée", "dsl", "bon",
        "ben", "bah", "hélas", "malheureusement", "franchement", "honnêtement", "alors", "eh bien", "hmm",
        "bises", "cordialement", "de ma part", "pour celui-là", "pour celle-là", "pour celui-ci",
        "pour celle-ci", "sur ce coup", "cette fois", "ok",
    ),
    note_negators=("ne", "n'", "pas", "jamais", "sans", "aucun", "aucune", "plutôt que", "au lieu de",
                   "ne saurais", "ne saurait", "ne pourrais", "ne pourrai",
                   "inutile de", "évite de", "évitez de", "éviter de", "en aucun cas", "sous aucun prétexte",
                   "surtout pas"),
    note_figures=(
        "n'hésite pas", "n'hésitez pas", "sans hésiter", "sans hésitation", "pas de souci", "pas de soucis",
        "pas de problème", "sans souci", "sans problème", "ne manque pas de", "s'il te plaît", "s'il vous plaît",
        "s'il te plait", "s'il vous plait", "ne … que", "sans doute", "pas mal",
    ),
    clause_joiners=("mais", "donc", "et", "alors", "puis", "cependant", "pourtant", "sinon", "ou", "aussi", "car"),
    decline_subjects=("il", "elle", "ils", "elles", "risque de", "pourrait", "pourraient", "probablement",
                      "sûrement"),
    request_verbs=(
        "présenter", "présente", "présentez", "présentes", "mettre … en relation", "mets … en relation",
        "mettez … en relation", "mise en relation", "en relation avec", "en contact avec", "mettre … en contact",
        "mets … en contact", "mettez … en contact", "en lien avec", "faire le lien", "fais le lien",
        "faites le lien", "rencontrer", "contacter", "contacte", "contactez", "introduire", "jumeler",
        "jumelle", "connecter", "faire les présentations", "une intro", "l'intro",
    ),
    spare_verbs=(
        "déranger", "dérange", "embêter", "embête", "importuner", "solliciter", "sollicite", "transmettre",
        "transmets", "transférer", "transfère", "écrire", "écris", "écrivez", "mettre en copie", "mêler",
        "impliquer", "envoyer", "envoie", "parler à", "parle à", "passer à",
    ),
    indefinite_persons=("quelqu'un", "n'importe qui", "une personne", "l'un de", "l'une de", "qui tu veux",
                        "qui vous voulez"),
    copulas=("est", "était", "sont", "c'est"),
    requester_markers=("de la part de", "à la demande de", "pour le compte de", "au nom de"),
    own_address_cues=(
        "mon adresse", "ma nouvelle adresse", "mon adresse perso", "mon autre adresse", "mon mail perso",
        "mon courriel perso", "je change d'adresse", "change d'adresse", "mon e-mail perso", "me joindre à",
        "mon adresse personnelle",
    ),
    spare_phrases=("laisse … tranquille", "laisser … tranquille", "laissez … tranquille", "à l'écart",
                   "en dehors de ça", "en dehors de tout ça", "hors de ça"),
    approvals=("oui", "ok", "d'accord", "vas y", "allez y", "avec plaisir", "volontiers", "ok pour moi",
               "bien sûr", "pas de souci", "go", "banco", "avec joie"),
    forward_pointers=("voir ci-dessous", "ci-dessous", "voir plus bas", "voir pièce jointe", "ci-joint",
                      "voir le message ci-dessous", "voir son message", "voir message ci-dessous"),
    status_words=("statut", "état", "mes mises en relation", "mes présentations", "où en sont mes mises en relation",
                  "point sur mes mises en relation"),
    cancel_words=("annuler", "annule", "annulez", "annule-la", "annulez-la", "merci d'annuler",
                  "annuler la mise en relation", "annulez la mise en relation", "annule la mise en relation",
                  "annuler la demande", "annulez la demande", "annule la demande", "merci d'annuler la demande"),
    request_filler=(
        "bonjour", "salut", "cher", "chere", "coucou", "merci", "svp", "stp", "plait", "te", "vous", "tu",
        "pourrais", "pourriez", "peux", "pouvez", "voudrais", "voudriez", "pourras", "est", "ce", "que",
        "qu", "presenter", "presente", "presentes", "presentation", "mettre", "relation", "contact", "en",
        "avec", "et", "la", "le", "les", "un", "une", "des", "de", "du", "a", "au", "aux", "lui", "leur",
        "elle", "il", "ils", "elles", "moi", "me", "ma", "mon", "mes", "son", "sa", "ses", "ci", "dessous",
        "joint", "transfere", "message", "mail", "courriel", "aider", "aide", "super", "bien", "cordialement",
        "bises", "amities", "possible", "si", "rencontrer", "demande", "personne", "quelqu", "langue",
        "francais", "anglais", "pourquoi", "contexte", "qui", "quoi", "je", "j", "d", "l", "s", "n",
    ),
    common_words=(
        "le", "la", "les", "et", "est", "vous", "avec", "pour", "je", "il", "elle",
        "nous", "de", "du", "des", "un", "une", "qui", "que", "sur", "dans", "merci",
        "bonjour", "présenter", "connais", "depuis", "ans", "lui", "leur", "son", "sa",
        "ses", "pas", "au", "aux", "cordialement", "bien", "à", "mon", "ma",
    ),
    answers=Answers(
        yes=(
            "oui", "oui merci", "oui avec plaisir", "ouais", "d'accord", "dac", "ok",
            "okay", "avec plaisir", "volontiers", "ok pour moi", "bien sûr",
            "bien entendu", "avec joie", "ça marche", "ça me va", "je veux bien",
            "allez-y", "vas-y", "c'est d'accord", "je suis d'accord",
            "j'accepte", "entendu", "carrément", "tout à fait", "absolument",
            "certainement", "évidemment", "ravi", "ravie", "ce sera avec plaisir",
            "je suis partant", "je suis partante", "partant", "partante",
            "ça m'intéresse", "je suis intéressé", "je suis intéressée", "oui bien sûr",
            "c'est bon pour moi", "bon pour moi", "avec grand plaisir",
            # Les éloges seuls (« Parfait », « Super ! ») accusent réception autant qu'ils acceptent.
            "ça me va très bien",
            "très volontiers", "bien volontiers", "avec beaucoup de plaisir",
            "vous pouvez y aller", "ok pour la mise en relation",
            "d'acc", "pourquoi pas", "vous pouvez nous présenter", "vous pouvez nous mettre en relation",
            "ouii", "nickel", "banco",
            "faites le lien", "faire le lien", "volontiers pour", "j'accepte volontiers",
            "vous pouvez nous mettre en contact", "tu peux nous présenter", "merci de nous présenter",
            "je serai ravi", "je serai ravie", "je serais ravi", "je serais ravie", "ravi de", "ravie de",
            "heureux de", "heureuse de", "content de", "contente de", "certain", "tiguidou", "c'est correct",
            "correct pour moi", "oki", "okay pour moi", "je donne mon accord", "mon accord", "je consens",
            "je souhaite être mis en relation", "je souhaite être mise en relation", "ça me fait plaisir",
            "ça va me faire plaisir", "ça me ferait plaisir", "avec grand plaisir que", "c'est avec plaisir",
            "bien volontiers", "c'est bien volontiers", "je suis preneur", "je suis preneuse", "preneur", "preneuse",
            "c'est oui", "ce sera oui", "go", "go pour", "me va", "me convient", "ça me convient",
            "ce n'est pas de refus", "c'est pas de refus", "pas de refus", "c'est volontiers", "j'accepte cette mise en relation",
            "c'est calé", "on est ensemble",
            "accepte cette mise en relation",
            "ça me dit", "ça me dit bien", "ça me fera plaisir", "allons-y", "on y va", "aucun inconvénient à ce que",
            "je ne vois aucun inconvénient à ce que", "je n'y vois aucun inconvénient à ce que",
            "je ne vois pas d'inconvénient à ce que", "c'est beau", "je dis oui", "je dis donc oui", "donc oui",
            "je suis disposé", "je suis disposée", "tout à fait disposé", "tout à fait disposée", "disposé à",
            "disposée à", "vous pouvez procéder", "pouvez procéder",
            "pas d'inconvénient à ce que", "hâte de la rencontrer", "hâte de le rencontrer", "hâte d'échanger",
        ),
        no=(
            "non", "non merci", "pas intéressé", "pas intéressée", "pas interesse",
            "pas pour le moment", "pas pour l'instant", "pas maintenant",
            "pas pour moi", "pas cette fois", "je préfère pas", "je préfère ne pas",
            "je ne préfère pas", "je décline", "sans façon", "ne m'intéresse pas",
            "ça ne m'intéresse pas", "je ne suis pas intéressé",
            "je ne suis pas intéressée", "je ne veux pas", "veux pas",
            "je passe mon tour", "je passe", "malheureusement non",
            "plutôt pas", "très peu pour moi", "je refuse", "non désolé",
            "non désolée", "pas vraiment", "pas d'accord", "absolument pas", "certainement pas",
            "bien sûr que non", "surtout pas", "pas du tout", "pas le bon moment",
            "je ne peux pas", "je ne souhaite pas", "ne souhaite pas", "mais non",
            "donc non", "pas disponible", "je vais décliner", "décliner", "ce sera non",
            "c'est non", "ça sera non", "la réponse est non", "je ne pense pas",
            "je préférerais pas", "je préférerais ne pas", "je n'ai pas le temps",
            "pas question", "hors de question", "je préfère que non", "plutôt non", "sans moi",
            "préfère décliner", "préférerais décliner", "dois décliner", "ne prends plus", "ne prends pas",
            "préfère m'abstenir", "préférerais m'abstenir", "vais m'abstenir", "dois m'abstenir", "je m'abstiens", "pas le temps", "pas donner suite", "pas suite",
            "passer mon tour", "passe mon tour", "pas possible", "dois dire non", "vais dire non", "je dis non",
            "pas dispo", "dois refuser", "devoir refuser", "obligé de refuser", "obligée de refuser",
            "préfère refuser", "vais refuser", "pas le moment", "pas pour cette fois", "pas la bonne personne",
            "pas le bon interlocuteur", "pas la bonne interlocutrice", "trop occupé", "trop occupée",
            "c'est impossible", "impossible pour moi", "vaut mieux ne pas", "mieux vaut ne pas",
            "👎", "❌", "🙅",
        ),
        stop=(
            "ne plus me contacter", "ne me contactez plus", "ne me contactez pas", "être désinscrit",
            "être désinscrite", "être retiré", "être retirée", "désinscrit", "désinscrite",
            "ne plus m'écrire", "ne m'écrivez plus", "désabonnez-moi", "désabonner",
            "me désabonner", "désinscrire", "désinscrivez-moi", "me désinscrire",
            "retirez-moi", "supprimez-moi", "rayez-moi", "laissez-moi tranquille",
            "plus jamais", "arrêtez de m'écrire", "arrêtez de me contacter",
            "ne plus recevoir", "plus recevoir", "désinscription", "désabonnement",
            "me retirer", "retirer de votre liste", "retirer de vos listes",
            "supprimez mon adresse", "supprimer mon adresse", "effacez mon adresse",
            "ne me recontactez plus", "ne plus me recontacter", "ne me recontactez pas",
            "plus être contacté", "plus être contactée", "retirez mon adresse", "retirer mon adresse",
            "supprimez mes données", "supprimer mes données", "effacez mes données", "c'est du spam",
        ),
        stop_alone=("stop", "arrêt", "arrêtez", "arrêter", "stop merci", "stop svp"),
        figures=(
            "pas de souci", "pas de soucis", "pas de problème", "pas de probleme",
            "aucun problème", "aucun souci", "sans problème", "sans souci",
            "non pas de souci", "non pas de problème", "non aucun souci",
            "non aucun problème", "non sans problème", "pas d'inconvénient",
            "aucun inconvénient", "sans hésiter", "sans hésitation", "pas d'objection",
            "aucune objection", "aucune objection de ma part", "pas d'objection de ma part",
            "je n'y vois pas d'inconvénient", "je n'y vois aucun inconvénient", "je ne vois pas d'inconvénient",
            "je ne vois aucun inconvénient", "pas de trouble", "aucun trouble", "pas d'objection de mon côté",
            "désolé du délai", "désolée du délai", "désolé pour le délai", "désolée pour le délai",
            "désolé du retard", "désolée du retard", "désolé pour le retard", "désolée pour le retard",
            "non mais",  # "Non mais c'est qui ?": indignation, not an answer
            # idioms of a no that is not one: the rest of the reply decides
            "je ne dis pas non", "je ne dirais pas non", "ne dis pas non", "je ne suis pas contre", "pas contre",
            "allais dire non", "j'allais dire non", "failli dire non", "j'ai failli dire non", "pourquoi je dirais non",
            "pourquoi dirais-je non", "comment dire non", "désolé pour les fautes", "désolée pour les fautes", "pas pressé", "pas pressée",
            # « dont » is no "don't"
            "dont un", "dont une", "dont le", "dont la", "dont les", "dont il", "dont elle", "dont je", "dont on",
            "dont nous", "dont vous", "dont deux", "dont trois", "dont j'ai", "dont l'",
            "ne change rien", "ça ne change rien", "je passe par vous", "passe par vous", "je passe par toi",
            "rien ne presse", "pas expert", "pas experte", "même si", "je ne promets rien", "sans garantie", "pas de pb", "aucun pb", "désolé pour mon anglais",
            "désolée pour mon anglais", "désolé pour mon français", "désolée pour mon français",
            "désolé de répondre", "désolée de répondre", "désolé d'écrire", "désolée d'écrire",
            "pardon pour", "excusez mon", "excuse mon",
        ),
        negators=("pas", "ne", "n'", "jamais", "nullement", "guère"),
        hedges=(
            "pas sûr", "pas sûre", "peut-être", "peut être", "ça dépend", "cela dépend",
            "je ne sais pas", "sais pas", "je vais réfléchir", "réfléchir",
            "je reviens vers vous", "je te redis", "je vous redis",
            "qui est", "c'est qui", "si", "sauf", "seulement si",
            "à condition", "pas encore",
            "probablement", "plus d'info", "plus d'informations", "savoir plus",
            "en savoir plus", "plus de détails",             "d'abord savoir", "d'abord en savoir", "mais d'abord", "ouais c'est ça", "bof", "ou pas",
            "je plaisante", "je rigole", "blague", "bien noté", "c'est noté", "noté", "faire valider", "dois valider",
            "passe par eux", "passe par elle", "passe par la conformité", "passe par le juridique", "conformité", "service juridique", "vous réponds lundi", "te réponds lundi",
            "à tête reposée", "plus en détail", "in more detail", "more detail next", "more details next", "dans une autre vie", "tant qu'il", "tant qu'elle", "tant que je", "tant que vous",
            "tant que tu", "tant que ça", "tant que ce", "pourvu que", "sous réserve",
            "je me demande", "selon", "en fonction", "ça dépendra", "dépend", "dépendra", "à moins",
            "condition", "je vais voir", "on verra", "je verrai", "je pense que oui", "je crois que oui",
            "absent du bureau", "absente du bureau", "actuellement absent", "actuellement absente", "à mon retour",
            "dès mon retour", "accès limité", "réponse automatique", "message automatique",
            "il me semble", "je suppose", "j'imagine", "dois vérifier", "dois demander", "en attente",
            "dans la mesure où",
            # Plus tard, pas maintenant : un report n'est pas un oui.
            "je réfléchis", "je vais y réfléchir", "laissez-moi réfléchir", "laisse-moi réfléchir",
            "je reviens vers", "je reviens vers toi", "je te dis", "je vous dis", "je regarde", "je vais regarder",
            "relancez-moi", "relance-moi", "recontactez-moi", "plus tard", "une autre fois", "dans quelques mois",
            "l'année prochaine", "le trimestre prochain", "je vérifie", "je dois voir", "je te tiens au courant",
            "je vous tiens au courant", "vérifier mon planning", "mon agenda",
            # Quelqu'un d'autre : la mise en relation devrait viser une autre personne.
            "à la place", "plutôt que moi", "plutôt avec", "voyez plutôt", "vois plutôt", "voir plutôt",
            "collègue", "mon équipe", "quelqu'un d'autre", "mieux placé", "mieux placée", "bonne personne",
            "interlocuteur", "interlocutrice", "s'en occupe", "qui gère", "en charge", "je transfère",
            "je transmets", "quel sujet", "à quel sujet", "de quoi s'agit", "il s'agit de quoi",
            # Discours rapporté : la parole d'un autre n'est pas celle de la personne.
            "dit oui", "a dit oui", "dit que", "m'a dit", "me dit", "m'a demandé", "de sa part", "de la part de",
            "me charge", "mon assistante", "mon assistant", "ma femme", "mon mari", "mon associé",
            "mon associée", "mon patron", "ma patronne", "mon chef", "ma cheffe", "mon manager",
            "validation", "feu vert", "accord de",
            # Ironie : les mots d'un oui, pour dire non.
            "🙄", "😒", "c'est ça", "comme si", "encore un", "encore une", "exactement ce qu", "ce qu'il me fallait",
            "ce qui manquait", "tout ce qu'il", "j'ai que ça", "j'ai que ca", "le jour où", "quand les poules",
            "mon oeil", "mon œil", "tu parles", "vous parlez",
            # Ce qui l'empêche.
            "problème", "souci", "hic", "compliqué", "difficile", "conflit", "non-concurrence", "interdit",
            "pas le droit", "congé maternité", "congé paternité", "congé parental", "déconnecté",
            "déconnectée", "je quitte", "à la retraite", "aimerais mais", "adorerais mais", "débordé", "débordée", "sous l'eau", "noyé", "noyée", "surchargé", "surchargée", "rincé", "rincée",
            "tant qu'on y est", "tant que vous y êtes", "tant que tu y es", "quel honneur",
            "parce que la dernière fois", "c'est ce que vous vouliez", "c'est ce que tu voulais", "tant qu'à y être", "tant qu'à faire",
            "ben là",
            # Ce qu'écrit un accusé de réception automatique (envoyé sans les en-têtes d'un tel message).
            "bien reçu", "bien été reçu", "bien parvenu", "avons reçu", "nous reviendrons", "vous recontactera",
            "recontacterons", "sous 24", "sous 48", "sous 72", "jours ouvrés", "heures ouvrées", "ticket",
            "cette boîte", "cette adresse n'est plus", "merci de nous avoir contactés",
        ),
        greetings=(
            "bonjour", "salut", "coucou", "bonsoir", "cher", "chère", "merci",
            "merci beaucoup", "merci bien",
        ),
        closings=(
            "cordialement", "bien cordialement", "bien à vous", "bien à toi",
            "à bientôt", "a bientot", "merci", "merci beaucoup", "bonne journée",
            "bonne soirée", "amicalement", "bises", "belle journée", "salutations",
            "sincères salutations",
        ),
        interjections=("oh", "ah", "alors", "eh bien", "bon", "ben", "donc", "et", "enfin", "en fait", "mdr", "haha"),
        conjunctions=("et", "ou", "mais", "toutefois", "cependant"),
        # As in English: no objection, alone in its clause, consents ("Aucune objection.").
        yes_alone=("aucune objection", "pas d'objection", "pas de souci", "pas de soucis", "pas de problème",
                   "aucun problème", "aucun souci", "sans problème", "sans souci", "pas de trouble", "aucun trouble",
                   "pas de pb", "aucun pb",
                   "j'embarque", "je suis in",
                   "aucune objection de ma part", "pas d'objection de ma part", "pas d'inconvénient",
                   "aucun inconvénient", "je n'y vois pas d'inconvénient", "je n'y vois aucun inconvénient",
                   "je ne vois pas d'inconvénient", "je ne vois aucun inconvénient"),
        constraints=(
            "pas avant", "seulement après", "seulement à partir", "uniquement après", "à partir de",
            "à partir du", "après", "dès", "plutôt", "de préférence", "idéalement", "par mail",
            "par e-mail", "par téléphone", "la semaine prochaine", "le mois prochain",
            "dans quelques semaines", "janvier", "février", "mars", "avril", "mai", "juin", "juillet",
            "août", "septembre", "octobre", "novembre", "décembre", "lundi", "mardi", "mercredi",
            "jeudi", "vendredi", "le week-end", "le matin", "l'après-midi", "en fin de journée",
            "je suis disponible à partir", "disponible à partir", "dispo à partir", "libre à partir",
            "je suis libre après", "libre après", "disponible après", "de retour le", "de retour après",
            "jusqu'à", "jusqu'au", "jusqu'en", "pas en présentiel", "en présentiel", "max", "maximum",
            "ne suis dispo que", "ne suis disponible que", "ne serai dispo que", "ne serai disponible que",
            "ne suis libre que", "si possible", "dans un premier temps", "je n'aurai qu'", "n'aurai qu'", "je n'ai qu'",
            "qu'une demi-heure", "qu'une heure", "qu'un quart d'heure", "pas d'appel avant", "pas de rendez-vous avant",
            "si ça lui va", "si ça lui convient", "si cela lui convient", "rien avant", "avant le", "pas avant le",
            "pas cette semaine", "pas ce mois-ci", "pas aujourd'hui", "pas demain", "pas la semaine prochaine", "ne suis plus chez", "ne travaille plus chez",
            "ne suis plus à", "ne suis plus en poste",
            "au plus tôt", "au plus tard", "cette semaine", "ce mois-ci", "demain", "aujourd'hui",
        ),
        doubt_questions=("qui", "quoi", "pourquoi"),
        conditions=("si", "sauf si"),
        rhetorical=("pourquoi pas", "pourquoi je dirais non", "pourquoi dirais-je non", "comment dire non"),
        thanks=("merci", "merci beaucoup", "merci bien", "mille mercis"),
        plain=(
            # les personnes
            "je", "j", "me", "m", "moi", "mon", "ma", "mes", "nous", "vous", "tu", "te", "t", "toi", "lui",
            "elle", "il", "ils", "elles", "eux", "leur", "on", "se", "s", "tous", "deux", "tout", "toute",
            # ce qui tient la phrase
            "ça", "ca", "cela", "ce", "c", "cest", "le", "la", "les", "l", "un", "une", "des", "de", "d", "du",
            "à", "a", "au", "aux", "avec", "pour", "en", "y", "et", "donc", "alors", "aussi", "très", "tres",
            "bien", "vraiment", "fait", "est", "suis", "sommes", "serai", "serait", "sera", "être", "etre",
            "ai", "peux", "pouvez", "pourrez", "pouvons", "faire", "faites", "allez", "vas", "go", "y",
            "maintenant", "quand", "vous", "volontiers", "dispo", "disponible", "disponibles", "libre",
            "oui", "ok", "ouais", "bon", "bonne",
            # politesse et enthousiasme
            "merci", "svp", "stp", "plaît", "plait", "plaisir", "grand", "grande", "beaucoup", "ravi", "ravie",
            "ravis", "heureux", "heureuse", "content", "contente", "enchanté", "enchantée", "intéressé",
            "intéressée", "partant", "partante", "super", "génial", "géniale", "parfait", "top", "excellent",
            "excellente", "idée", "opportunité", "nickel", "carrément", "évidemment", "certainement",
            "absolument", "entendu", "accord", "daccord", "chouette", "formidable", "honneur", "joie",
            "intéressant", "intéressante", "bonjour", "salut", "grave", "avoir", "sympa", "gentil", "gentille", "côté", "que", "qu", "pr",
            "envoie", "envoyez", "envoyer", "maître", "madame", "monsieur", "cher", "chère", "mail", "mails",
            "courriel", "message", "mille", "fois", "penser", "pensé", "pensée", "toujours", "encore", "nouveau",
        ),
        anchors=(
            "rencontrer", "rencontre", "présenter", "présente", "présentés", "présentées", "présentez",
            "présentation", "présentations", "relation", "contact", "échanger", "échange", "discuter",
            "parler", "appeler", "appel", "café", "déjeuner", "verre", "visio", "aider", "aide", "conseil",
            "conseils", "conseiller", "partager", "lien", "mettre", "mettez", "mets", "connaissance",
            "échangerai", "échangerons", "rencontrerai", "rencontrerons", "discuterai", "discuterons",
            "parlerai", "parlerons", "présentiez", "présentions", "jaser", "balancer", "créneau", "créneaux",
            "intéresse",
        ),
        contrasts=(
            "mais", "cependant", "toutefois", "cela dit", "ceci dit", "ça dit", "en fait", "finalement",
            "à la réflexion", "quoique", "par contre", "sauf que", "néanmoins", "pourtant", "en revanche",
            "ah non", "hmm", "hm", "attends voir", "attendez voir",
        ),
        contrasts_alone=("attends", "attendez"),
        regrets=("malheureusement", "hélas", "désolé", "désolée", "dommage", "regret", "navré", "navrée"),
        resolutions=(
            "bref", "donc", "alors", "du coup", "en bref", "allez", "quand même", "malgré tout", "pour répondre à ta question",
            "pour répondre à votre question", "au final", "en somme", "tout compte fait", "au bout du compte",
        ),
        elsewhere=(
            "facture", "factures", "contrat", "contrats", "diapos", "slides", "paiement", "payé", "payée",
            "réglé", "réglée", "signé", "signée", "signerons", "signer", "reçu", "reçue", "présence", "dîner",
            "anniversaire", "mariage", "enfants", "gosses", "maman", "papa", "chéri", "chérie",
            "acte", "compte rendu", "rapport", "commande", "livraison",
            "colis", "bien moi", "c'est moi", "foot", "devis", "marche pour le", "marche pour les", "va pour le",
            "réunion", "atelier", "webinaire", "invitation",
        ),
        willing=(
            "peux", "pourrai", "pourrais", "pouvoir", "peut", "pourra", "vais", "veux", "voudrais", "souhaite",
            "souhaiterais", "envie", "dispo", "disponible", "libre", "temps", "prêt", "prête", "intéressé",
            "intéressée", "intéresse", "pense", "crois", "vois", "trouve", "sûr", "sûre", "d'accord", "accord",
            "accepte", "aider", "faire", "ferai", "utile", "opportun", "pertinent", "bonne", "bon",
            "possible", "plaisir", "envie", "aimerais", "aime", "partant", "partante", "convient", "va", "dit",
            "dis", "dire",
        ),
        adverbs=("tout à fait", "bien sûr", "bien entendu", "avec plaisir", "volontiers", "absolument"),
        note_markers=("pour info", "pour information", "pour votre information", "à noter", "petite précision",
                      "précision", "à savoir", "pour mémoire"),
        elisions=("c", "d", "j", "l", "m", "n", "s", "t", "qu", "jusqu", "lorsqu", "puisqu"),
        unavailable=("pas disponible", "pas dispo", "indisponible", "pas libre", "absent", "absente"),
        name_leads=("à", "a", "avec", "et", "m", "mme", "mlle", "me", "maître", "dr", "pr", "cher", "chère"),
        time_prepositions=("à", "a", "vers"),
        time_limits=("après", "avant", "dès", "de", "jusqu'à", "jusqu'au", "depuis"),
        credentials=(
            "je dirige", "je gère", "je pilote", "je travaille", "je conseille", "j'enseigne", "je suis un",
            "je suis une", "je suis ingénieur", "je suis ingénieure", "je suis avocat", "je suis avocate",
            "je connais bien", "j'ai monté", "j'ai fondé", "j'ai cofondé", "j'ai créé", "j'ai dirigé",
            "j'ai passé", "j'ai été", "nous sommes une", "nous sommes un", "mon domaine", "ma spécialité",
            "mon métier", "en tant que",
        ),
    ),
)


# --- Structural landmarks only ------------------------------------------------------------
# Enough to find a forward or a quote written by these clients; answers in these
# languages are not read (they come back as "unclear", and a human looks).

DE = Language(
    code="de",
    forward_separators=("Weitergeleitete Nachricht", "Anfang der weitergeleiteten Nachricht"),
    original_separators=("Ursprüngliche Nachricht", "Originalnachricht"),
    header_labels={
        "from": ("Von",),
        "to": ("An",),
        "cc": ("Cc", "Kopie", "Kopie (CC)"),
        "date": ("Datum", "Gesendet"),
        "subject": ("Betreff",),
        "reply_to": ("Antwort an",),
    },
    name_particles=("von", "van", "der", "zu"),
    quote_openers=("Am",),
    quote_verbs=("schrieb", "hat geschrieben"),
    attribution_words=("um",),
    forward_prefixes=("WG", "Wtr"),
    reply_prefixes=("AW", "Antw"),
    mobile_footers=("Von meinem iPhone gesendet", "Gesendet von meinem"),
    auto_subjects=("Abwesenheitsnotiz", "Automatische Antwort", "Unzustellbar", "Nicht zugestellt"),
)

ES = Language(
    code="es",
    forward_separators=(
        "Mensaje reenviado",
        "Comienzo del mensaje reenviado",
        "Inicio del mensaje reenviado",
    ),
    original_separators=("Mensaje original",),
    header_labels={
        "from": ("De",),
        "to": ("Para",),
        "cc": ("Cc", "CC"),
        "date": ("Fecha", "Enviado", "Enviado el"),
        "subject": ("Asunto",),
        "reply_to": ("Responder a",),
    },
    name_particles=("de", "del", "la", "y"),
    quote_openers=("El",),
    quote_verbs=("escribió",),
    attribution_words=("a", "las"),
    forward_prefixes=("RV", "Rv", "Reenv"),
    reply_prefixes=("RE",),
    mobile_footers=("Enviado desde mi",),
    auto_subjects=("Respuesta automática", "Fuera de la oficina", "No se puede entregar"),
)

IT = Language(
    code="it",
    forward_separators=("Messaggio inoltrato", "Inizio messaggio inoltrato"),
    original_separators=("Messaggio originale",),
    header_labels={
        "from": ("Da", "Mittente"),
        "to": ("A",),
        "cc": ("Cc",),
        "date": ("Data", "Inviato"),
        "subject": ("Oggetto",),
        "reply_to": ("Rispondi a",),
    },
    name_particles=("di", "da", "del", "della", "de"),
    quote_openers=("Il",),
    quote_verbs=("ha scritto", "scrisse"),
    forward_prefixes=("I", "Inoltra"),
    reply_prefixes=("R", "Rif"),
    mobile_footers=("Inviato da",),
    auto_subjects=("Risposta automatica", "Fuori sede", "Non recapitabile"),
)

NL = Language(
    code="nl",
    forward_separators=("Doorgestuurd bericht", "Begin doorgestuurd bericht"),
    original_separators=("Oorspronkelijk bericht", "Origineel bericht"),
    header_labels={
        "from": ("Van",),
        "to": ("Aan",),
        "cc": ("Cc", "CC"),
        "date": ("Datum", "Verzonden"),
        "subject": ("Onderwerp",),
        "reply_to": ("Antwoord aan",),
    },
    name_particles=("van", "der", "den", "de", "ter"),
    quote_openers=("Op",),
    quote_verbs=("schreef", "heeft geschreven", "geschreven"),
    forward_prefixes=("Doorst",),
    reply_prefixes=("Antw",),
    mobile_footers=("Verzonden vanaf mijn", "Verstuurd vanaf mijn"),
    auto_subjects=("Automatisch antwoord", "Onbestelbaar"),
)

PT = Language(
    code="pt",
    forward_separators=(
        "Mensagem encaminhada",
        "Mensagem reencaminhada",
        "Início da mensagem encaminhada",
        "Início da mensagem reencaminhada",
    ),
    original_separators=("Mensagem original",),
    header_labels={
        "from": ("De",),
        "to": ("Para",),
        "cc": ("Cc",),
        "date": ("Data", "Enviado", "Enviada em"),
        "subject": ("Assunto",),
        "reply_to": ("Responder a",),
    },
    name_particles=("da", "das", "do", "dos", "de"),
    quote_openers=("Em", "No dia"),
    quote_verbs=("escreveu",),
    forward_prefixes=("ENC", "Enc"),
    reply_prefixes=("RES", "Res"),
    mobile_footers=("Enviado do meu",),
    auto_subjects=("Resposta automática", "Ausente do escritório"),
)

SV = Language(
    code="sv",
    forward_separators=("Vidarebefordrat meddelande", "Vidarebefordrat brev", "Vidarebefordrat mejl"),
    original_separators=("Ursprungligt meddelande",),
    header_labels={
        "from": ("Från",),
        "to": ("Till",),
        "cc": ("Kopia", "Cc"),
        "date": ("Datum", "Skickat"),
        "subject": ("Ämne",),
        "reply_to": ("Svara till",),
    },
    quote_openers=("Den",),
    quote_verbs=("skrev",),
    attribution_words=("följande",),
    forward_prefixes=("VB", "Vb"),
    reply_prefixes=("SV", "Sv"),
    mobile_footers=("Skickat från min",),
    auto_subjects=("Automatiskt svar",),
)

# Landmarks read from the clients of the forward corpus (Apple Mail, Gmail, Outlook,
# Thunderbird, Yahoo) in further languages.

CS = Language(
    code="cs",
    forward_separators=("Začátek přeposílané zprávy", "Přeposlaná zpráva"),
    header_labels={
        "from": ("Od",), "to": ("Komu",), "cc": ("Kopie",),
        "date": ("Datum", "Odesláno"), "subject": ("Předmět",),
    },
    quote_verbs=("napsal", "napsala"),
    reply_prefixes=("Odp",),
)

DA = Language(
    code="da",
    forward_separators=("Start på videresendt besked", "Videresendt meddelelse", "Videresendt besked"),
    header_labels={
        "from": ("Fra",), "to": ("Til",), "cc": ("Cc",),
        "date": ("Dato", "Sendt"), "subject": ("Emne",),
    },
    quote_openers=("D.", "Den"),
    quote_verbs=("skrev",),
    forward_prefixes=("VS", "Videresend"),
    reply_prefixes=("SV",),
    mobile_footers=("Sendt fra min",),
)

NO = Language(
    code="no",
    forward_separators=("Videresendt melding", "Videresendt e-post"),
    header_labels={
        "from": ("Fra",), "to": ("Til",), "cc": ("Kopi",),
        "date": ("Dato", "Sendt"), "subject": ("Emne",),
    },
    quote_verbs=("skrev",),
    attribution_words=("følgende", "den"),
    forward_prefixes=("VS", "Vs", "Videresend"),
    reply_prefixes=("SV",),
    mobile_footers=("Sendt fra min",),
)

FI = Language(
    code="fi",
    forward_separators=(
        "Välitetty viesti alkaa",
        "Välitetty viesti / Fwd.Msg",
        "Välitetty viesti",
        "Edelleenlähetetty viesti",
    ),
    header_labels={
        "from": ("Lähettäjä",), "to": ("Vastaanottaja",), "cc": ("Kopio",),
        "date": ("Päivämäärä", "Päiväys", "Lähetetty"), "subject": ("Aihe",),
    },
    quote_verbs=("kirjoitti",),
    forward_prefixes=("VL",),
)

HU = Language(
    code="hu",
    forward_separators=("Továbbított levél kezdete", "Továbbított üzenet"),
    header_labels={
        "from": ("Feladó",), "to": ("Címzett",), "cc": ("Másolat", "Másolatot kap"),
        "date": ("Dátum", "Elküldve"), "subject": ("Tárgy",),
    },
    quote_verbs=("ezt írta", "írta"),
    attribution_words=("időpontban",),
    forward_prefixes=("Továbbítás",),
    reply_prefixes=("Vá", "Válasz"),
)

PL = Language(
    code="pl",
    forward_separators=(
        "Początek przekazywanej wiadomości",
        "Wiadomość przesłana dalej",
        "Treść przekazanej wiadomości",
        "Przekazana wiadomość",
    ),
    header_labels={
        "from": ("Od", "Nadawca"), "to": ("Do", "Adresat"), "cc": ("DW", "Kopia"),
        "date": ("Data", "Wysłano"), "subject": ("Temat",),
    },
    quote_openers=("Dnia",),
    quote_verbs=("napisał", "napisała"),
    attribution_words=("użytkownik", "o"),
    forward_prefixes=("PD",),
    reply_prefixes=("Odp",),
)

RO = Language(
    code="ro",
    forward_separators=("Începe mesajul redirecționat", "Mesaj redirecționat", "Mesaj redirecţionat"),
    header_labels={
        "from": ("De la", "Expeditorul", "Expeditor"), "to": ("Către", "Destinatarul"),
        "cc": ("Cc",), "date": ("Dată", "Data", "Trimis"), "subject": ("Subiect", "Subiectul"),
    },
    quote_verbs=("a scris",),
    forward_prefixes=("Redir.", "Redir"),
)

RU = Language(
    code="ru",
    forward_separators=(
        "Начало переадресованного сообщения",
        "Перенаправленное сообщение",
        "Пересылаемое сообщение",
        "Пересылаемое письмо",
    ),
    header_labels={
        "from": ("От", "От кого", "Отправитель"), "to": ("Кому",), "cc": ("Копия",),
        "date": ("Дата", "Отправлено"), "subject": ("Тема",),
    },
    quote_verbs=("написал", "написала", "пишет"),
    attribution_words=("пользователь", "в", "г."),
)

UK = Language(
    code="uk",
    forward_separators=(
        "Початок листа, що пересилається",
        "Переслане повідомлення",
        "Перенаправлене повідомлення",
    ),
    header_labels={
        "from": ("Від", "Від кого"), "to": ("Кому",), "cc": ("Копія",),
        "date": ("Дата", "Надіслано"), "subject": ("Тема",),
    },
    quote_verbs=("написав", "написала", "пише"),
)

TR = Language(
    code="tr",
    forward_separators=("İleti başlangıcı", "İletilen İleti", "İletilmiş Mesaj"),
    header_labels={
        "from": ("Kimden", "Gönderen"), "to": ("Kime",), "cc": ("Bilgi",),
        "date": ("Tarih", "Gönderildi"), "subject": ("Konu",),
    },
    quote_verbs=("şunu yazdı", "yazdı"),
    attribution_words=("tarihinde",),
    forward_prefixes=("İLT", "ILT"),
    reply_prefixes=("YNT",),
)

HR = Language(
    code="hr",
    forward_separators=("Započni proslijeđenu poruku", "Proslijeđena poruka"),
    header_labels={
        "from": ("Šalje",), "to": ("Prima",), "cc": ("Cc",),
        "date": ("Datum", "Poslano"), "subject": ("Predmet", "Naslov"),
    },
    quote_verbs=("napisao", "napisala"),
)

SK = Language(
    code="sk",
    forward_separators=("Začiatok preposlanej správy", "Preposlaná správa"),
    header_labels={
        "from": ("Od",), "to": ("Komu", "Pre"), "cc": ("Kópia",),
        "date": ("Dátum", "Odoslané"), "subject": ("Predmet",),
    },
    quote_verbs=("napísal", "napísala"),
    attribution_words=("používateľ",),
)

ET = Language(
    code="et",
    forward_separators=("Edastatud kiri",),
    header_labels={"from": ("Saatja",), "to": ("Saaja",), "date": ("Kuupäev",), "subject": ("Teema",)},
    quote_verbs=("kirjutas",),
)

JA = Language(
    code="ja",
    forward_separators=("メッセージを転送", "転送メッセージ"),
    header_labels={
        "from": ("送信元", "差出人"), "to": ("送信先", "宛先"), "cc": ("CC",),
        "date": ("日付", "送信日時"), "subject": ("件名",),
    },
)


LANGUAGES: tuple[Language, ...] = (
    EN, FR, DE, ES, IT, NL, PT, SV, CS, DA, NO, FI, HU, PL, RO, RU, UK, TR, HR, SK, ET, JA,
)


# --- Bounce wording (read by bounces.py) ----------------------------------------------------------
# How delivery failure reports word things, for the reports that carry no RFC 3464
# status fields. Matched case- and accent-insensitively as substrings, so keep each
# phrase specific enough not to appear in a person's reply.


@dataclass(frozen=True)
class BounceWording:
    # Subject beginnings or fragments of a failure report (not of an out-of-office).
    subjects: tuple[str, ...] = ()
    # Subjects of automatic replies that are never failures.
    auto_reply_subjects: tuple[str, ...] = ()
    # Phrases saying a message was not delivered; the addresses just after them failed.
    failure: tuple[str, ...] = ()
    # Causes that will not go away by retrying.
    permanent: tuple[str, ...] = ()
    # Causes that may: a full mailbox, an unreachable server.
    temporary: tuple[str, ...] = ()
    # What a server declares about the failure; this beats the cause it names.
    says_permanent: tuple[str, ...] = ()
    says_temporary: tuple[str, ...] = ()
    # Words of the line that announces the returned message below the notice.
    returned_markers: tuple[str, ...] = ()
    # Words of a line that names a helpdesk address, not a failed one.
    contact: tuple[str, ...] = ()
    # Single words of a label before a failed address ("Recipient address: a@x").
    recipient_labels: tuple[str, ...] = ()


BOUNCE_WORDING: tuple[BounceWording, ...] = (
    BounceWording(  # English
        subjects=(
            "undeliver", "undelivered", "returned mail", "returned to sender", "delivery status",
            "delivery failure", "delivery failed", "delivery has failed", "delivery notification",
            "failure notice", "mail delivery failed", "mail system error", "not delivered",
            "could not be delivered", "delivery problem", "nondeliverable", "non-deliverable",
            "non delivery", "delayed mail", "delivery delayed", "warning: could not send",
            "mail failure", "message failure", "failed delivery", "user unknown",
            "returned message", "mail failed", "returning message to sender", "mail delivery",
            "delivery warning", "failed mail",
        ),
        auto_reply_subjects=(
            "out of office", "out of the office", "automatic reply", "auto reply", "auto-reply",
            "autoreply", "auto response", "auto-response", "autoresponse", "vacation", "away from",
            "read receipt", "read:",
        ),
        failure=(
            "could not be delivered", "couldn't be delivered", "could not deliver", "wasn't able to deliver",
            "was not able to deliver", "unable to deliver", "not be delivered", "delivery has failed",
            "delivery to the following", "delivery failed", "failed to deliver", "following address(es) failed",
            "following addresses had", "following recipient", "following address", "failed recipient",
            "error delivering", "was not delivered", "has not been delivered", "not yet been delivered",
            "did not reach", "permanent error", "permanent fatal error", "undeliverable", "undelivered",
            "could not be sent", "message was rejected", "returned to sender", "delivery problems",
            "problem delivering", "delivery attempts", "failed address", "has been returned",
        ),
        permanent=(
            "user unknown", "unknown user", "no such user", "no such mailbox", "no such recipient",
            "no such address", "mailbox unavailable", "mailbox not found", "mailbox does not exist",
            "mailbox is disabled", "mailbox disabled", "account disabled", "account has been disabled",
            "does not exist", "doesn't exist", "not exist", "recipient not found", "recipient unknown",
            "unknown recipient", "address rejected", "invalid recipient", "invalid address",
            "host not found", "domain not found", "no mx", "unrouteable", "unroutable",
            "user not found", "not our customer", "recipient rejected", "addressee unknown",
            "no mailbox", "not listed in", "account is disabled", "no longer valid",
        ),
        temporary=(
            "mailbox full", "mailbox is full", "quota exceeded", "over quota", "exceeded storage",
            "insufficient storage", "try again later", "temporarily",
        ),
        says_permanent=("permanent error", "permanent failure", "permanent fatal", "permanently"),
        says_temporary=(
            "temporary failure", "temporary error", "delivery delayed", "has been delayed",
            "not yet been delivered", "will retry", "will be retried", "still trying",
            "warning message only", "no action is required",
        ),
        returned_markers=(
            "copy of the message", "copy of your message", "original message", "returned message",
            "returned mail", "unsent message", "undelivered message", "message header",
            "message headers", "header of the original", "headers of the original", "rejected message",
            "message text", "headers of your message", "your message reads", "message follows",
        ),
        contact=("contact", "assistance", "send mail to", "questions", "for help", "administrator"),
        recipient_labels=("recipient", "recipients", "address", "addressee", "user", "userid", "mailbox", "rcpt"),
    ),
    BounceWording(  # French
        subjects=(
            "non remis", "non distribuable", "echec de la remise", "echec de remise", "echec de la livraison",
            "notification d'etat de remise", "notification d'echec", "non delivre", "erreur de distribution",
            "impossible de remettre", "retour de courrier",
        ),
        auto_reply_subjects=("reponse automatique", "absent du bureau", "absence du bureau", "message d'absence"),
        failure=(
            "n'a pas pu etre remis", "n'a pas pu etre distribue", "n'a pas ete remis", "n'a pas pu etre livre",
            "impossible de remettre", "impossible de distribuer", "echec de la remise", "n'ont pas pu etre",
            "erreur lors de la remise", "non remis",
        ),
        permanent=(
            "adresse introuvable", "utilisateur inconnu", "destinataire inconnu", "adresse inconnue",
            "n'existe pas", "boite aux lettres introuvable", "adresse invalide", "compte desactive",
        ),
        temporary=("boite aux lettres pleine", "boite pleine", "quota depasse", "temporairement"),
        says_permanent=("erreur permanente", "echec permanent"),
        says_temporary=("erreur temporaire", "echec temporaire", "nouvelle tentative", "reessaiera"),
        returned_markers=("message d'origine", "message original", "en-tetes du message"),
        contact=("contactez", "assistance", "administrateur"),
        recipient_labels=("destinataire", "destinataires", "adresse", "utilisateur"),
    ),
    BounceWording(  # German
        subjects=("unzustellbar", "nicht zugestellt", "zustellung fehlgeschlagen"),
        auto_reply_subjects=("abwesenheitsnotiz", "automatische antwort"),
        failure=("konnte nicht zugestellt werden", "nicht zugestellt", "unzustellbar"),
        permanent=("unbekannt", "existiert nicht", "ungultige adresse"),
        temporary=("postfach voll", "speicherplatz", "vorubergehend"),
        returned_markers=("ursprungliche nachricht", "originalnachricht"),
        recipient_labels=("empfanger", "adresse"),
    ),
)
