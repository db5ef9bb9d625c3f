"""How a chat message reads, in English or Swedish: whether it tells something about the user,
is about the user, or about the conversation itself.

Every chat message is remembered, questions and requests too. As context for a later chat
they tell the model nothing about the user, yet e5 puts short questions and requests close
to each other: after "What's my job?" and "Can you suggest a snack?" were said, "Tell me a
joke." found them above the relevance threshold and answered with them as context. So the
chat's context and the persona leave out a remembered message that tells nothing
(brain_worker/retrieval.py, ingest_worker/persona.py); `/query` and listing still return it.
A fact told as a question still tells: "Did you know I'm allergic to cats?".
"""

import re

from shared.memory.language import language_of
from shared.memory.timewindow import MONTHS, WEEKDAYS

# A title's or an abbreviation's full stop ends no sentence: "When am I meeting Dr. Okafor?" was read as a sentence
# telling and another asking, and kept as a fact (a black-box pass).
_SENTENCE = re.compile(r"(?:\b(?:Dr|Mr|Mrs|Ms|Prof|St|Jr|Sr|dr|prof|kl|ca|t\.ex|bl\.a|e\.g|i\.e)\.|[^.!?…？])*"
                       r"[.!?…？]*")
_WORD = re.compile(r"[^\W\d_][\w'’]*")
ASKING_WORDS = frozenset("""
    what what's whats where where's wheres who who's whos whom whose when when's whens which how how's hows why
    can could would will do does did is are am was were have has should shall may might
    vad var vart varifrån vem vems vilka vilken vilket när hur varför
    kan kunde skulle ska har hade är blir finns får gör vet minns kommer
""".split())
# A question without its question mark ("how do i make kimchi") starts with one of these.
QUESTION_WORDS = frozenset("""
    what what's whats where where's wheres who who's whos whom whose which how how's hows why whens
    vad var vart vem vems vilka vilken vilket hur varför
""".split())
REQUEST_WORDS = frozenset("""
    tell write explain translate give show help summarize summarise list suggest recommend plan planera
    quiz correct proofread paraphrase rephrase förhör rätta korrigera omformulera
    describe compose draft generate calculate create find name define compare please
    berätta skriv förklara översätt ge visa hjälp sammanfatta lista föreslå rekommendera
    beskriv räkna skapa hitta nämn definiera jämför snälla
""".split())
GREETINGS = frozenset("""
    hi hello hey hiya thanks thank you thx ok okay cool bye goodbye cheers good morning night evening
    afternoon there all everyone again so much very nice to meet see later
    hej hejsan hallå tjena tja tack så mycket okej hejdå god morgon natt kväll där alla allihop dig er lumia
    trevligt att träffas ses sen
    a lot for your help have day då för hjälpen ha en bra dag
""".split())
# Replies that carry no fact: "lol", "Ja.", "Hmm, interesting.", "Okay, great!" (a black-box pass
# found them given to a later "Hello" as memories, and to the persona as statements).
FILLER = frozenset("""
    lol haha hahaha hehe lmao xd hmm hm mm mhm oh ah aha wow whoa yes yeah yep yup no nope nah sure right
    fine great awesome perfect exactly indeed interesting true alright got it makes sense
    ja jo jaha japp nej nä nja precis exakt bra fint kul najs snyggt intressant oj jaså visst absolut
    toppen härligt grymt sant
    i sounds me too same here k kk understood understand one more
    jag förstår förstått gärna också mer
""".split())
SMALL_TALK = GREETINGS | FILLER  # FILLER holds no greeting: "good", "nice", "see" are in GREETINGS
# Follow-ups about the answer just given ("Make it shorter.", "Gör den längre.", "Another one
# please.") ask like any request: a short sentence that starts so. Whole phrases, as words alone
# start facts too ("En vän till mig heter Anna.", "More people are coming on Friday.").
_FOLLOW_UP = re.compile(
    r"(?:make (?:it|that|this|them|one)|rewrite|rephrase|shorten|expand|continue|go on|redo|retry|try again"
    r"|again|another one|one more|more please|shorter|longer|simpler"
    r"|gör (?:den|det|dem|om)|skriv om|förkorta|förläng|fortsätt|igen|en till|ett till|kortare|längre|enklare)\b",
    re.IGNORECASE)
FOLLOW_UP_WORDS = 4  # "Skriv om den kortare", "Make it more formal"
PLEASE = frozenset("please pls plz snälla".split())
# A request that asks back what the user did ("Remind me what I did yesterday.") asks; one that
# tells of it ("Write down that I moved to Oslo.") tells.
ASKING_BACK_WORDS = frozenset("tell remind show list berätta påminn visa lista".split())
# "…with you", "…med dig": "Hej, hur är läget med dig?" got five memories (bench/gate.py).
_SMALL_TALK_QUESTION = re.compile(
    r"^(?:\W*(?:hi|hey|hello|hej|hejsan|hallå(?: där)?|tjena|tjenare|tja"
    r"|how are you(?: doing)?(?: today)?|how(?:'s| is) it going(?: with you)?|how are things(?: with you)?"
    r"|how have you been|how's your day(?: going)?|what's up|whats up|sup|what are you up to"
    r"|hur mår du(?: idag| i dag)?|hur är läget(?: med dig)?|läget|hur går det(?: för dig)?"
    r"|hur står det till(?: med dig)?|hur har du det(?: idag| i dag)?|vad gör du"
    r"|thanks(?: a lot| so much)?|thank you(?: so much)?|tack(?: så mycket)?|that helped|det hjälpte"
    # "Hej Lumia!", "Allt bra med dig?", "Good morning! How are you doing?", "Hi there, how's it going?"
    r"|lumia|allt bra(?: med dig)?|good (?:morning|afternoon|evening|day)|god (?:morgon|kväll|dag|eftermiddag)"
    r"|hur är det(?: med dig)?|hej igen|hiya|how was your day|how's your day"
    r"|(?:hi|hello|hey) there))+\W*$",
    re.IGNORECASE)
# A message may ask the assistant to keep a fact ("Can you remember that my code is 4711?").
KEEPING_WORDS = frozenset("remember note save ihåg notera spara".split())
POSSESSIVES = frozenset("my our mine ours min mitt mina vår vårt våra".split())
# "I" after one of these is asked about ("Where do I live?"); anywhere else it tells ("Did you
# know I speak four languages?").
AUXILIARIES = frozenset("""
    do does did am was were have has had can could should would will shall may might must
    what where who when why how which if
""".split())
# Swedish "jag" tells at the start of a clause ("Visste du att jag är allergisk?"); after a
# verb it is asked about ("Äter jag kött?", "Var bor jag?").
CLAUSE_STARTS = frozenset("att som eftersom men och för då fast medan".split())
# Not "om" (if) nor "när" (when): "Vad ska jag göra om jag inte kan sova?" asks, as English "if I"
# and "when I" do (AUXILIARIES). "I"/"jag" in a subject of two ("Erik and I", "Lena och jag") is
# asked about after the verb ("What did Erik and I do?", "Vad gjorde Lena och jag?") and tells
# before it ("Erik and I got married"); AND_WORDS join such a subject.
AND_WORDS = frozenset("and or och eller".split())
# Words that may stand before a question word: "In which city does my wife work?", "I vilken stad…".
PREPOSITIONS = frozenset("in at on for from with to by about of i på till från med för av hos".split())
# What a question may ask of the user's memory: "Do you remember what my boss is called?" asks; a
# keeping word ("remember", "ihåg") keeps a fact unless one of these asks it.
MEMORY_ASKERS = frozenset("do does did kommer kan".split())
# A question word right before one of these starts a clause that tells ("And how I met Lena was…").
SUBJECTS = frozenset("i we you he she they jag vi du han hon de".split())
# A clause ending at a comma that tells before the question ("I morgon ska jag till tandläkaren, vad
# ska jag ta med?", "På fredag flyttar vi till Umeå, hur packar man bäst?"), unless it supposes.
SUPPOSING = frozenset("if when whether unless in case om när ifall såvida".split())
TELLING_CONTRACTIONS = frozenset("i'm i've i'd i'll we're we've we'd we'll".split())
# Words a sentence may open with before it asks ("But what is my daughter called?", "Men vad heter
# min dotter?"): a black-box pass found such questions counted as facts, given to later chats and
# to the persona. Whether a sentence asks is read from the first word after them.
OPENING_WORDS = frozenset("""
    but and so well oh ok okay also then now anyway actually btw hmm hm um uh hey hi hello lumia
    men och så alltså förresten nå okej då fast hej hejsan tjena
""".split())
# Words only Swedish uses: a sentence holding one that starts with "I" starts with Swedish "i"
# (in): "I vilken stad bor jag?" asks, as "Vilken stad bor jag i?" does.
SWEDISH_ONLY = frozenset("""
    jag vi du är och att som det den de vilken vilket vilka vad hur när varför vem bor heter har min mitt
    mina vår vårt våra en ett ska kan
""".split())
FIRST_PERSON_WORDS = POSSESSIVES | TELLING_CONTRACTIONS | frozenset("we jag vi".split())
GREETING_WORDS = 2  # "Hi!", "Hej då!", "Thanks!" are not statements
_FIRST_PERSON = re.compile(r"\bI\b|\b(?:me|my|mine|myself|we|us|our|ours|jag|mig|min|mitt|mina|vi|oss|vår|vårt|våra)\b",
                           re.IGNORECASE)
# Whole words only, not the end of a compound: "Hur skriver man en SQL-fråga?" asks of SQL, not of what
# was asked (a black-box pass: it got five earlier questions as memories).
_TALK = re.compile(r"(?<![\w-])(?:ask|asked|asking|question|questions|talk|talked|discuss|discussed|chat|chatted|"
                   r"said|told|(?:did|have|had) (?:i|we) (?:say|mention|tell you)|mentioned|"
                   r"fråga|frågade|frågat|frågan|frågor|prata|pratade|pratat|diskuterade|sa|sade|berättade|"
                   r"nämnde|nämnt)(?![\w-])",
                   re.IGNORECASE)


# What will be, said in the first person: "I'll call mom tonight", "I am going to paint the fence",
# "Jag ska jobba hela helgen", "Vi kommer att flytta".
_PLANNING = re.compile(r"\b(?:i|we)(?:'ll|’ll| will| shall|'d like to|’d like to| would like to"
                       r"|(?:'m|’m| am|'re|’re| are)? (?:going to|gonna|planning to|hoping to)"
                       r"| (?:plan|intend|hope|want|need|have) to| wanna| must)\b"
                       r"|\bmy plan is\b|\bplaner(?:na)? är\b"
                       r"|\b(?:jag|vi) (?:ska|skall|kommer att|tänker|planerar att|vill|behöver|måste|hoppas)\b"
                       r"|\bska (?:jag|vi)\b",
                       re.IGNORECASE)
_ASKING_OF_ASKING = re.compile(r"(?<![\w-])(?:ask|asked|asking|question|questions|fråga|frågade|frågat|frågan|"
                               r"frågor)(?![\w-])", re.IGNORECASE)


def plans(text: str) -> bool:
    """Whether a statement tells what the speaker will do, not what they did."""
    return _PLANNING.search(text) is not None


def asks_of_asking(text: str) -> bool:
    """Whether a question about the conversation asks what was asked ("What did I ask you yesterday?")."""
    return _ASKING_OF_ASKING.search(text) is not None


def tells_nothing(text: str) -> bool:
    """Every sentence asks (a question, or a request in the second person) or greets, and none
    tells something of the user; a message of greetings alone ("Thanks!") tells nothing either."""
    if small_talk(text):
        return True
    # What is quoted is a text to work on, not the user's words ('Translate "I bought a new bike" into
    # German.', "Correct the grammar: 'I has two cats and live in Oslo.'"), and its full stop ends no
    # sentence of theirs (a black-box pass found both given to later chats and to the persona).
    text = _QUOTED.sub(" something ", text)
    sentences = [s.strip() for s in _SENTENCE.findall(text) if s.strip()]
    if len(sentences) > 1 and KEEPING_WORDS & {w.lower() for w in _WORD.findall(text)}:
        return False  # asked to remember, and what follows is what to keep
    asked, greeted_only = False, True
    for sentence in sentences:
        said = [w.replace("’", "'") for w in _WORD.findall(sentence)]
        if not said:
            continue
        if all(w.lower() in SMALL_TALK for w in said):
            continue
        greeted_only = False
        if _asks(sentence, said):
            asked = True
        elif _is_question(sentence, said) or len(said) > GREETING_WORDS:
            return False
    return asked or (greeted_only and bool(_WORD.search(text)))


def _opened(words: list[str]) -> list[str]:
    """A sentence's words (lowercased) from the one it opens with, after "but", "and so", "men" and
    the like, and after "any idea" before a question word ("Any idea what my wife is called?" asks, a
    black-box pass found it given to later chats and to the persona)."""
    at = next((at for at, w in enumerate(words) if w not in OPENING_WORDS), 0)
    if words[at : at + 2] in (["any", "idea"], ["any", "ideas"], ["no", "idea"]) and words[at + 2 : at + 3] \
            and words[at + 2] in QUESTION_WORDS | {"when", "if", "whether"}:
        at += 2
    return words[at:]


def _opening(words: list[str]) -> str:
    opened = _opened(words)
    if len(opened) > 1 and opened[0] in PREPOSITIONS and opened[1] in ASKING_WORDS:
        return opened[1]  # "In which city…", "I vilken stad…"
    return opened[0]


# Written without a question mark, casually and without "jag", a question word may open a statement (a black-box
# pass: "var på bio med elsa o såg nya bondfilmen" and "vad kul, elsa fick A på matteprovet" were taken as questions
# and never given): Swedish "var" is also "was" before where one was ("var på bio", "var hos tandläkaren"), "vad"
# exclaims before how it was ("vad kul"), and "hur som helst" is "anyway".
_WAS_WHERE = frozenset("""på hos i med ute hemma till inne borta uppe nere där här lite jätte helt rätt väldigt
    sjuk trött också verkligen precis nyss igår idag ikväll förut ganska riktigt""".split())
_WHERE_VERBS = frozenset("bor ligger finns jobbar hittar kan är ska har köper".split())
_EXCLAIMED = frozenset("""kul roligt härligt synd skönt trist tråkigt gott gött fint bra najs underbart jobbigt
    mysigt tur otur konstigt""".split())
_EXCLAIMING = frozenset("vad va hur så vilken vilket".split())  # "vad gött", "hur kul", "vilken tur", "vilket flyt"
_EXCLAIMED_ASKING = frozenset("var är blev gick kom hade har ska".split())


_WHEN_ASKING = frozenset("""is was are were did does do will can should has have am
    är var har hade ska skulle kommer blir blev fyller börjar slutar måste""".split())


def _states_without_asking(opened: list[str]) -> bool:
    first, second = opened[0], opened[1] if len(opened) > 1 else ""
    if first == "var" and second in _WAS_WHERE:
        return not _WHERE_VERBS & set(opened[2:6])  # not "var i lund bor min syster"
    # An exclamation with what it is of after it: "vad gött, fick lönehöjning"; not "hur kul var det egentligen",
    # "vilken tur gick du", nor "vad synd" alone (a review).
    exclaims = first in _EXCLAIMING and (second in _EXCLAIMED or second in ("flyt", "lycka"))
    return (exclaims and len(opened) > 3 and opened[2] not in _EXCLAIMED_ASKING) \
        or opened[:3] == ["hur", "som", "helst"]


def _is_question(sentence: str, said: list[str]) -> bool:
    if sentence.rstrip(".!…").endswith(("?", "？")):
        return True
    if sentence.endswith((".", "!", "…")):
        return False
    # After "and", "men": not Swedish "var" ("Så var jag på bio igår": "was"), nor a question word
    # with the subject right after it ("And how I met Lena was at a party").
    opened = _opened([w.lower() for w in said])
    if opened[0] in ("when", "när") and opened[1:2] != [] and opened[1] in _WHEN_ASKING:
        return True  # "when is my dad's birthday", "när har pappa namnsdag" (a recheck: kept as facts)
    # A verb before its subject asks, typed without "?" too: "do i work tmrw", "did i pay chloe back", "is sam coming
    # sat", "are chloe and i ok now" (a black-box pass: kept as facts, they took a later chat's places).
    # Its subject right after it (or "X and I"), or a present "-ing" after a name: not "was told i need a root canal",
    # "was busy doing homework", "did it, passed my test" (a review).
    subject = opened[1:2] != [] and (opened[1] in _SUBJECTS_ASKED - ({"it"} if opened[0] in _DOING else set())
                                     or (opened[2:3] == ["and"] and opened[3:4] != [] and opened[3] in {"i", "we"}))
    if opened[0] in _INVERTING and (subject or (opened[0] in ("is", "are") and opened[2:3] != []
                                                and opened[2].endswith("ing"))):
        return True
    if opened[0] in ("when's", "whens"):
        return True
    # Swedish, its verb first and its subject right after: "jobbar jag på lördag", "har vi bokat resan", "är det
    # simning på fredag", and "när flyttar vi" (a black-box pass: stored as plans of their days).
    # Not after "så", "och", "men": "Så var jag på bio med Erik igår" tells.
    first = said[0].lower() if said else ""
    sv_subject = opened[1:2] != [] and opened[1] in _SV_SUBJECTS and opened[0] == first
    if sv_subject and _sv_verb(opened[0]):
        return True
    if opened[0] in ("när", "var", "vart", "hur") and opened[0] == first and opened[2:3] != [] \
            and opened[2] in _SV_SUBJECTS and _sv_verb(opened[1]):
        return True
    if opened[0] not in QUESTION_WORDS or _states_without_asking(opened):
        return False
    after_opener = len(opened) < len(said)
    return not after_opener or (opened[0] != "var" and opened[1:2] != [] and opened[1] not in SUBJECTS)


_SV_SUBJECTS = frozenset("jag vi du ni det han hon de".split())
# Swedish verbs that open a question ("Har vi…", "Ska jag…"), and the present's endings ("jobbar", "simmar", "åker");
# not a conjunction or an interjection before its subject ("Om vi hinner…", "Innan vi åker…", "Vet du vad, vi ska få
# barn", "Nä jag åker inte": a review).
_SV_QUESTION_VERBS = frozenset("""har ska är kan får blir kommer vill måste brukar hinner behöver går ses gör finns
    bor fyller hade var skulle blev borde kunde""".split())


def _sv_verb(word: str) -> bool:
    return word in _SV_QUESTION_VERBS or (word.endswith(("ar", "er", "ir")) and len(word) > 3
                                          and word not in _SV_NOT_VERBS)


# What may open a Swedish statement before its verb and subject ("idag jobbar jag", "sen åkte vi hem"), or join; and
# words ending as a verb does that are none ("eller", "sommar", English "never", "water").
_SV_NOT_VERBS = frozenset("""idag igår imorgon ikväll inatt imorse sen sedan då nu så och men eller att som när där
    här först sist ibland alltid aldrig ofta redan fortfarande också även tyvärr äntligen faktiskt kanske hemma
    dessutom senare tidigare snart därför annars efteråt förut hittills jo nej ja ok okej tack hej oj åh bra kul
    skönt typ liksom fast
    efter under över sommar vinter kvar bättre mer fler mellan
    never ever after better over water later other""".split())
_DOING = frozenset("do does did have has can could should would will shall".split())  # not "am i glad …"
_INVERTING = _DOING | {"is", "are", "was", "were"}
_SUBJECTS_ASKED = frozenset("i we you he she they it".split())
# A fact told as asked, of anyone: "visste du att måns väger 7 kilo?" (a black-box pass: only the user's were kept).
_TOLD_AS_ASKED = re.compile(r"^\W*(?:(?:men|och|but|and|so|så)\W+)?(?:visste du (?:om )?att|vet du att|can you believe|"
                            r"did you know(?: that)?(?= \w+ \w+)|guess what[,!:])", re.IGNORECASE)


# A clause that may tell of whom a question is for: "Ideas for my wife, who is vegan?".
_TELLING_CLAUSE = frozenset("who which that since because as som eftersom då".split())


def _owning(words: list[str]) -> bool:
    """Whether a question's words may tell of the user's own: a possessive not only in what it is
    for ("for my boss", "till min fru") in a question with no clause that might tell of them."""
    if _TELLING_CLAUSE & set(words):
        return bool(POSSESSIVES & set(words))
    return any(w in POSSESSIVES and not (at and words[at - 1] in PREPOSITIONS) for at, w in enumerate(words))


# A question asked as a statement: "I wonder what my dad's name is.", "Jag undrar när min bror fyller år.",
# "Can't remember if I have a dentist appointment this month.", "Is it true that I'm allergic to penicillin?"
# (a black-box pass found them given to later chats, first, and to the persona).
_INDIRECT = re.compile(
    r"^\W*(?:(?:but|and|so|well|oh|hmm|men|och|så)\W+)?(?:i wonder|i was wondering|i'?d (?:love|like) to know|"
    r"i would (?:love|like) to know|i want to know|i (?:can'?t|cannot|don'?t) remember|can'?t remember|"
    r"i (?:have )?forgot(?:ten)?|i'?m not sure|not sure|is it true|jag undrar|undrar|jag skulle vilja veta|"
    r"jag vill veta|jag minns inte|minns inte|jag kommer inte ihåg|kommer inte ihåg|jag har glömt|"
    r"jag är inte säker på|stämmer det)\b\W*(?:that|att)?\W*(?:what|when|where|who|whose|which|how|why|if|"
    r"whether|vad|när|var|vart|vem|vems|vilken|vilket|vilka|hur|varför|om|att|that|i'm|i am|jag är)\b",
    re.IGNORECASE)
# Words that make a short question a sentence; without one, "My mom's phone number?" and "Min frus
# favoritfärg?" only ask, however they open.
_VERBLESS_MOST = 5
_VERBS = frozenset("""
    is are was were am be been has have had do does did will would can could should
    it's that's what's who's where's he's she's there's
    är var varit har hade blir blev heter hette bor bodde jobbar jobbade fyller gillar älskar kan ska
""".split())


def _verbless(words: list[str]) -> bool:
    return len(words) <= _VERBLESS_MOST and not _VERBS & set(words)


def _asks(sentence: str, said: list[str]) -> bool:
    words = [w.lower() for w in said]
    indirect = _INDIRECT.search(sentence.replace("’", "'"))
    if indirect is not None and not any(_FIRST_PERSON.search(clause)
                                        for clause in sentence[indirect.end():].split(",")[1:]):
        return True  # not "I wonder if I should quit, I hate my job."
    opening = _opening(words)
    question = _is_question(sentence, said)
    opened = _opened(words)
    if any(w in KEEPING_WORDS and not _asks_of_memory(opened, at, question) for at, w in enumerate(opened)):
        return False
    if question:
        if _tells_in_question(said) or _tells_of_own(sentence, said) or _tells_before_asking(sentence) \
                or _TOLD_AS_ASKED.match(sentence):
            return False
        # "My wife turns 40, any gift ideas?" tells; "What's my job?" and "Gift ideas for my boss for
        # Christmas?" only ask (a black-box pass: the last was given in later chats as a memory).
        return opening in ASKING_WORDS or opening in KEEPING_WORDS or not _owning(words) or _verbless(words)
    # A request in the first person carries a fact ("Write down that I moved to Oslo"). English
    # "I" only as written: lowercased it is Swedish "i" (in).
    # Not "my" alone: "Tell me my passport number.", "Påminn mig om mitt passnummer." ask for it (a
    # recheck: 30 such requests took every place, and the persona took them for statements).
    subject = "I" in said or bool((FIRST_PERSON_WORDS - POSSESSIVES) & set(words))
    clause = bool({"that", "att"} & set(words)) or ":" in sentence
    first_person = (subject and not _of_what_is_asked(words, sentence)) or (
        bool(POSSESSIVES & set(words)) and clause) or _tells_of_own(sentence, said)
    if opening in ASKING_BACK_WORDS and about_own_past(sentence):
        return True
    short = len(words) <= FOLLOW_UP_WORDS
    follow_up = short and (_FOLLOW_UP.match(" ".join(words)) is not None or bool(PLEASE & set(words)))
    # "Remind me of my passport number" and "Remind me when my wife has her birthday" ask; "Remind me to
    # call mom at five" tells a plan.
    reminded = opening in REMINDING_WORDS and bool(_REMINDED_OF & set(words[:4]))
    return (opening in REQUEST_WORDS or follow_up or reminded) and not first_person


_QUOTED = re.compile(r"\"[^\"]*\"|“[^”]*”|„[^“”]*[“”]|«[^»]*»|”[^”]*”|(?<!\w)'[^']*'(?!\w)|‘[^’]*’")
_REMINDED_OF = frozenset("of about what when where who which how om vad när var vem vilken hur".split())
ARTICLES = frozenset("a an some another en ett någon något några annan annat".split())


def _of_what_is_asked(words: list[str], sentence: str) -> bool:
    """Whether a request's "I"/"jag" is only in what it asks for: "Recommend a thriller I haven't read",
    "Rekommendera en deckare jag inte läst" (a black-box pass: given as memories, and to the persona).
    Not after a comma or a colon ("Suggest a dinner, we are vegan"), nor in a clause of "that"/"att"."""
    if "," in sentence or ":" in sentence or {"that", "att"} & set(words):
        return False
    first = next((at for at, w in enumerate(words) if w in {"i", "we", "jag", "vi"}
                  or w in TELLING_CONTRACTIONS), None)
    return first is not None and bool(ARTICLES & set(words[1:first]))


# Requests to make something of what is given, which nothing the user told helps unless the request
# names it: "Skriv en dikt om hösten", "Berätta ett skämt", "Translate 'good morning' into French"
# (a black-box pass: each got four or five memories; bench/gate.py's off-topic messages). Not
# "suggest", "recommend" or "give": a dinner suggested for a vegan needs what they told.
MAKING_WORDS = frozenset("""
    write tell translate explain summarize summarise compose draft calculate define describe
    correct proofread paraphrase rephrase
    skriv berätta översätt förklara sammanfatta räkna definiera beskriv rätta korrigera omformulera
""".split())
_CAN_YOU = re.compile(r"^\W*(?:(?:can|could|would|will) you|please|(?:kan|skulle) du|snälla)\s+", re.IGNORECASE)


def _requested(text: str) -> list[str]:
    """The words of a request after its polite opener: "Could you suggest a dinner?" asks as
    "Suggest a dinner" does."""
    return _WORD.findall(_CAN_YOU.sub("", text))


def asks_for_something(text: str) -> bool:
    """Whether the message opens with a request ("Suggest a dinner recipe", "Föreslå en middag",
    "Could you suggest a dinner?"): made of the assistant, for the user, as a question of fact about
    the world is not."""
    words = [w.lower() for w in _requested(text)]
    return bool(words) and words[0] in REQUEST_WORDS


def impersonal_request(text: str) -> bool:
    """A request to make something (a poem, a joke, a translation) of no one of the user's: no word
    of the user ("my", "me", "mig"), nor of their family or pets ("mamma", "my wife")."""
    said = _requested(text)
    words = [w.lower() for w in said]
    if not words or words[0] not in MAKING_WORDS:
        return False
    # "Tell me a joke": who it is told to says nothing of the user.
    rest = " ".join(said[2:] if len(words) > 1 and words[1] in {"me", "us", "mig", "oss"} else said[1:])
    return not in_first_person(rest) and not RELATIONS & set(words)


# A meal, a dish or eating, asked of or requested ("Föreslå en middag till oss ikväll", "Can I bring
# home a peanut cake?"): what the user told of diets and allergies belongs with it.
FOOD = frozenset("""
    dinner lunch breakfast brunch meal meals food dish dishes recipe recipes cook cooking bake baking cake cakes eat
    eating restaurant menu snack snacks dessert candy sweets pizza takeaway drink drinks milkshake smoothie
    coffee tea milk cheese chocolate bread pancakes icecream sandwich sandwiches burger burgers
    sauce soup salad pasta noodles curry satay sushi taco tacos stew cookie cookies biscuits yoghurt yogurt
    cereal nuts peanuts wine beer fish meat chicken beef pork salmon lasagna lasagne risotto omelette omelet grill bbq
    barbecue dairy
    middag lunch frukost mat maten rätt rätter recept laga lagar baka tårta tårtan kaka kakor äta äter restaurang
    meny mellanmål efterrätt dessert godis fika pizza dricka drink drinkar kaffe te mjölk ost choklad bröd glass
    pannkakor macka smörgås hamburgare sås soppa sallad nudlar gryta kakan bullar vin öl nötter jordnötter
    fisk kött kyckling lax omelett grilla
""".split())
# Swedish food compounds by parts no other word starts or ends with: "fiskgratäng", "laxpasta", "kycklinggryta",
# "köttbullar" (a review: "tillbaka" ends in "baka", "rättvist" starts with "rätt", "Swedish" ends in "dish").
FOOD_STARTS = ("fisk", "kyckling", "kött", "lax", "räk", "korv", "choklad", "pannkak", "potatis", "grönsak")
FOOD_ENDS = ("pasta", "gryta", "soppa", "sallad", "gratäng", "pizza", "tårta", "kakor", "bullar", "burgare", "biff",
             "risotto", "cheesecake")
COMPOUND_REST = 3  # letters at least besides the food part
DIET_WORDS = ("allergic allergy allergies allergisk allergi allergier celiac coeliac celiaki gluten lactose laktos "
              "laktosintolerant intolerant vegan vegetarian vegetarisk pescetarian nuts peanuts nötter jordnötter "
              "shellfish shrimp skaldjur räkor diabetes diabetiker sugar socker diet "
              # The forms a keyword look-up needs: "Per äter vegetariskt" was missed (a black-box pass).
              "vegetariskt vegetariska vegetarianer vegansk veganskt veganska veganer glutenfri glutenfritt "
              "laktosfri laktosfritt allergiker keto kosher halal")


# What harms whatever else changes: an allergy stays told when diets come and go.
_ALLERGY = re.compile(r"\b(?:allerg\w*|celiac|coeliac|celiaki|\w*intoleran\w*|anaphyla\w*|epipen)\b", re.IGNORECASE)


def tells_an_allergy(text: str) -> bool:
    return _ALLERGY.search(text) is not None


# Food in Swedish, something else in English: "Where can I recycle glass?", "a yoga mat", "my car's VIN".
SWEDISH_FOOD_ONLY = frozenset({"glass", "mat", "vin"})


def about_food(text: str) -> bool:
    words = {w.lower() for w in _WORD.findall(text)}
    food = FOOD & words
    # "Kan jag göra fiskgratäng?" got no memory of who eats no fish (a black-box pass).
    return bool(food - SWEDISH_FOOD_ONLY or (food and language_of(text) == "sv")) or any(
        (word.startswith(FOOD_STARTS) and not word.startswith("fiske")) or word.endswith(FOOD_ENDS)
        for word in words if len(word) >= 4 + COMPOUND_REST)


# A diet told without a diet's word: "Viktor äter inte fisk", "Elsa won't eat meat", "Jag tål inte mjölk" (a black-box
# pass: no chat about fish got the first).
_DIET_SAID = re.compile(r"\b(?:äter|dricker) (?:inte|aldrig|ingen|inget|inga)\b|\b(?:kan|får) inte (?:äta|dricka)\b"
                        r"|\btål(?:er)? inte\b|\b(?:doesn't|does not|don't|do not|won't|will not|can't|cannot|never) "
                        r"(?:eats?|drinks?)\b|\b(?:can't|cannot|can not) have\b|\bnot allowed to (?:eat|drink|have)\b"
                        r"|\b(?:slutat|slutade|vägrar) (?:äta|dricka)\b|\b(?:stopped|quit) (?:eating|drinking)\b"
                        r"|\brefuses? to (?:eat|drink)\b", re.IGNORECASE)
_DIET_WORD = frozenset(DIET_WORDS.split())


def tells_a_diet(text: str) -> bool:
    """Whether a memory tells of what someone eats or may not: a diet's word, or what they do not eat (of food: not
    "Jag tål inte stress", a review)."""
    return (_DIET_SAID.search(text) is not None and about_food(text)) \
        or not _DIET_WORD.isdisjoint(w.lower() for w in _WORD.findall(text))


def asks_or_requests_only(text: str) -> bool:
    """Every sentence asks (ends in a question mark) or requests ("Rekommendera en film som jag kanske
    gillar"): the same one said twice is asked again, not told again (a black-box pass: three copies)."""
    sentences = [s.strip() for s in _SENTENCE.findall(text) if _WORD.search(s)]
    return bool(sentences) and all(
        s.endswith(("?", "？")) or _opening([w.lower() for w in _requested(s)]) in REQUEST_WORDS
        for s in sentences)


def small_talk(text: str) -> bool:
    """A message that is greetings, thanks, fillers or "How are you?" alone, or emoji and
    punctuation alone ("👍", ":)"): no memory helps it."""
    said = _WORD.findall(text)
    if not said:
        return bool(text.strip()) and not any(ch.isalnum() for ch in text)  # "4711" is an answer
    return (all(w.lower().replace("’", "'") in SMALL_TALK for w in said)
            or _SMALL_TALK_QUESTION.match(text.strip()) is not None)


def _tells_in_question(said: list[str]) -> bool:
    """A question that tells of the user: "Did you know I'm allergic to cats?", "Can you believe
    I turned 40?", "Visste du att jag är allergisk mot nötter?"."""
    words = [w.lower() for w in said]
    swedish = bool(SWEDISH_ONLY & set(words))
    for at, word in enumerate(words):
        before = words[at - 1] if at else ""
        if word in TELLING_CONTRACTIONS:
            return True
        if said[at] == "I" and not (at == 0 and swedish):
            if _of_the_asked(words, at):
                continue
            if before in AND_WORDS:
                if not _subject_of_two_asked(words, at, swedish):
                    return True
            elif before not in AUXILIARIES:
                return True
        if word in ("jag", "vi"):
            if before in AND_WORDS and at >= 2:
                if not _subject_of_two_asked(words, at, swedish):
                    return True
            elif at == 0 or before in CLAUSE_STARTS or (before == "när" and at == 1):
                return True  # "När jag var liten bodde jag i Lund, …" tells; "…om jag inte kan sova?" asks
    return False


def _of_the_asked(words: list[str], at: int) -> bool:
    """Whether the "I" at `at` only says which ones are asked for: "Who are the people I mention most?",
    "What are the hobbies I have?" (a black-box pass: kept as memories and given to later chats). Not
    "What's the best way to tell my wife I lost my job?": there it tells."""
    # Of ones asked for, plural: "What's a good name for the puppy I got on Saturday?", "Who is the colleague I had
    # lunch with on Tuesday?" tell what they ask of (a review).
    if words[0] not in QUESTION_WORDS or words[1:2] not in (["are"], ["were"]):
        return False
    near = words[max(0, at - 3) : at]
    if "the" not in near:
        return False
    between = near[len(near) - near[::-1].index("the") :]
    return not {"my", "to", "that", "your", "our"} & set(between)


def _asks_of_memory(words: list[str], at: int, question: bool = False) -> bool:
    """Whether the keeping word at `at` asks what is remembered ("Do you remember my sister's name?",
    "Kommer du ihåg vad min chef heter?", "Kan du komma ihåg vad min hund heter?") rather than asks to
    keep it ("Can you remember my door code?", "Can you remember when my wife's birthday is, it's on
    May 3?"). Asked and then answered in another sentence it keeps: `tells_nothing` counts the answer.
    A `question` that opens with it and a question word asks too: "Remember what my sister does?"."""
    opens_asking = question and at == 0 and words[1:2] != [] and words[1] in QUESTION_WORDS | {"when", "när"}
    # "Help me remember what my dad is called", "Hjälp mig komma ihåg vad min pappa heter".
    helped = bool({"help", "hjälp"} & set(words[:at])) and words[at + 1 : at + 2] != [] \
        and words[at + 1] in QUESTION_WORDS | {"when", "när", "if", "om"}
    return opens_asking or helped or bool(MEMORY_ASKERS & set(words[max(0, at - 3) : at]))


def _subject_of_two_asked(words: list[str], at: int, swedish: bool) -> bool:
    """Whether "Erik and I" (`words[at]` the "I") comes after the question's verb: the subject starts
    one or two words before the "and" ("Erik", "my wife"); a word before it that asks or is a verb."""
    for start in (at - 2, at - 3):
        if start >= 1 and (words[start - 1] in AUXILIARIES or words[start - 1] in ASKING_WORDS
                           or (swedish and _looks_like_a_verb(words[start - 1]))):
            return True
    return False


def _looks_like_a_verb(word: str) -> bool:
    # Swedish questions put the verb before the subject ("Vad gjorde Lena och jag?"): a past form, or
    # one of the asking verbs. Enough to tell it from a subject at a clause's start.
    return word in PAST_FORMS or word in ASKING_WORDS or (word.endswith(("de", "te")) and len(word) > 3)


def _tells_before_asking(sentence: str) -> bool:
    """A clause before the last (at a comma) that tells in the first person: "I morgon ska jag till
    tandläkaren, vad ska jag ta med?", "Imorgon fyller jag 40, några tips?"; not one that supposes
    ("Om jag flyttar till Umeå, vad kostar det?") or asks."""
    clauses = [c for c in sentence.split(",") if _WORD.search(c)]
    english = not SWEDISH_ONLY & {w.lower() for w in _WORD.findall(sentence)}  # "I" is "I", not "i" (in)
    for clause in clauses[:-1]:
        words = [w.lower() for w in _WORD.findall(clause)]
        opening = _opening(words)
        if opening in SUPPOSING or opening in ASKING_WORDS or opening in REQUEST_WORDS:
            continue
        if {"jag", "vi", "we"} & set(words) or (english and "i" in words) or TELLING_CONTRACTIONS & set(words):
            return True
    return False


# A question mostly names what it asks about by what the user told before ("what should I get
# Leo?", "how do I stop my dog chasing the hens?"): counted as telling, such questions took the
# places of the facts they refer to (bench/gate.py: balanced 0.703 -> 0.641). So only what a
# question plainly introduces counts: someone of the user's by name, an age, a place the user
# lives or works, a condition of their health.
RELATIONS = frozenset("""
    wife husband partner son daughter kid kids child children boyfriend girlfriend fiance fiancee mother mum mom
    father dad brother sister grandmother grandfather grandma grandpa friend boss colleague dog cat
    fru man make maka sambo son dotter barn pojkvän flickvän mamma pappa mor far bror syster mormor morfar
    farmor farfar vän kompis chef kollega hund katt
""".split())
HEALTH = frozenset("""
    allergy allergies allergic diabetes diabetic celiac coeliac gluten lactose intolerance intolerant pregnant
    pregnancy asthma epilepsy migraine migraines
    allergi allergier allergisk diabetiker celiaki laktosintolerant glutenintolerant gravid graviditet astma
    epilepsi migrän
""".split())
_AGE = re.compile(r"\b(?:turns?|turning|fyller)\s+\d+|\b\d+\s*(?:years? old|år gammal|år gamla)"
                  r"|\b\d+(?:st|nd|rd|th|:e|:a)?[ -]?(?:birthday|födelsedag)|\w+årsdag", re.IGNORECASE)
_HOME = re.compile(r"[A-ZÅÄÖ]\w+, (?:where I|där jag|dit jag) (?:live|work|moved|bor|jobbar|arbetar|flyttade|flyttat)")


def _tells_of_own(sentence: str, said: list[str]) -> bool:
    """A question about the user's own life that introduces a fact: "What should I give my wife Lena,
    she turns 40?", "Kan du föreslå en tårta till min son Olles femårsdag?", "Hur lång tid tar det
    från Malmö, där jag bor, till Lund?", "How do I treat my peanut allergy?"."""
    words = [w.lower() for w in said]
    for at, word in enumerate(words):
        if word not in POSSESSIVES:
            continue
        after = said[at + 1 : at + 4]
        if len(after) > 1 and after[0].lower() in RELATIONS and after[1][0].isupper() and after[1] != "I":
            return True  # "my wife Lena", "min son Olles"
        for owned in (w.lower() for w in after):
            if owned in HEALTH:
                return True  # "my peanut allergy", "my pregnant wife"
            if owned in RELATIONS:
                break  # "Är min fru allergisk mot något?" asks whether she is (a black-box pass)
    first_person = bool(POSSESSIVES & set(words)) or "I" in said or bool({"jag", "vi"} & set(words))
    return first_person and (_AGE.search(sentence) is not None or _HOME.search(sentence) is not None)


# The user's people and pets, one word for each whatever it is called: "my mum" and "My mother's
# birthday" are the same one, and so are a girlfriend who became a wife ("Who is my partner?" and "Vad
# heter min flickvän?" missed "My wife Sara…" and the wedding, a black-box pass). Friends and
# colleagues are left out: "my friend" is anyone of many.
# Pets, each its own one whatever it is called.
# Plural forms and the breeds said for the animal too: "Vi har två katter", "We adopted a retired greyhound called
# Dolly" (bench/gate_bilingual.json: no pet of the user's).
PETS = {"dog": "dog hund hunden hundar hundarna puppy valp valpen valpar pup doggo hundvalp greyhound labrador "
               "retriever beagle collie terrier spaniel poodle pug dachshund husky schäfer pudel vorsteh "
               "chihuahua cocker",
        "cat": "cat katt katten katter katterna kitten kattunge kattungar",
        "rabbit": "rabbit bunny kanin kaninen kaniner", "hamster": "hamster hamstern",
        "horse": "horse pony häst hästen hästar ponny",
        "guinea pig": "marsvin marsvinet", "bird": "parrot budgie papegoja undulat"}
_RELATION_OF = {word: one for one, words in {
    "partner": "partner sambo wife fru hustru maka husband hubby man make girlfriend flickvän boyfriend pojkvän "
               "fiance fiancee fiancé fästman fästmö",
    "son": "son", "daughter": "daughter dotter", "child": "kid kids child children barn barnen",
    "mother": "mother mum mom mamma mor", "father": "father dad pappa far", "brother": "brother bror",
    "sister": "sister syster", "grandmother": "grandmother grandma mormor farmor",
    "grandfather": "grandfather grandpa morfar farfar", "boss": "boss chef", **PETS,
}.items() for word in words.split()}
_RELATION_BETWEEN = 2  # "my little brother", "min äldsta dotter", "my wife's"
FAMILY = frozenset("partner son daughter child mother father brother sister grandmother grandfather".split())
# Kinds of the user's ones, asked of as a whole: "Do I have any pets?" and "We have a cat called Misse."
# share nothing e5 relates (0.796, under the gate; "Just picked up my new car!" 0.820): a black-box pass.
_KINDS = {word: ones for words, ones in (
    ("pet pets husdjur husdjuret husdjuren djur", frozenset(PETS)), ("family familj familjen", FAMILY),
    ("parents föräldrar föräldrarna", frozenset({"mother", "father"})),
    ("siblings syskon syskonen", frozenset({"brother", "sister"})),
    ("grandparents", frozenset({"grandmother", "grandfather"})),
    # "Hur många barn har jag?", "Berätta om barnen" (a black-box pass: "sonen Viktor" and "dottern Elsa" missed).
    ("children kids barn barnen ungar ungarna", frozenset({"son", "daughter", "child"})),
) for word in words.split()}
# The user as the one who has them: "We have a cat called Misse", "I adopted a rescue dog", "Vi har
# skaffat en valp", "I have a new girlfriend, her name is Johanna" (a black-box pass: not given for "Who is
# my partner?", the ex and the breakup were). Not "My sister has a cat": she has it.
_OWNERS = frozenset("i we i've we've jag vi".split())
_OWNING = frozenset("""have had got adopted rescued bought own har hade fick skaffade skaffat adopterade
    adopterat köpte köpt äger""".split())
_OWNED_BETWEEN = 6  # "We have a cat", "I just adopted a two-year-old rescue dog"
_SOMEONE_ELSES = frozenset("""whose vars his her their hans hennes deras friend friends kompis kompisen vän
    vännen""".split())


# A nurse's title is no sister of the user's: "I got the job!! Band 6 junior sister on AMU", "My manager, Sister Karen
# Walsh" (a black-box pass: neither told of the user's job, and both came first for "How is my sister doing?").
_SISTER_TITLE = re.compile(r"\b(?:(?i:junior|senior|ward|charge|night|nursing|deputy)\s+(?i:sister|syster)"
                           r"|(?:Sister|Syster)(?=\s+[A-ZÅÄÖ]))\b")


def relations_of(text: str) -> set[str]:
    """The user's people and pets a text names as theirs ("my wife", "Min mammas", "our dog"): a
    question about "my wife" is about what the user told of her, however little else it shares
    with it ("Plan a date night for my wife and me" and "My wife Anna loves roses": 0.80)."""
    text = _SISTER_TITLE.sub(" ", text)
    said = [w.replace("’", "'").removesuffix("'s").rstrip("'") for w in _WORD.findall(text)]  # "my kids' names"
    words = [w.lower() for w in said]
    found: set[str] = set()
    for at, word in enumerate(words):
        if word in POSSESSIVES:
            # A Swedish genitive has no apostrophe: "min frus", "mammas".
            found |= _first_relation(words[at + 1 : at + 1 + _RELATION_BETWEEN])
        elif word in _OWNERS and said[at][0] != "i":  # a lowercase "i" is Swedish "in": "Min syster i Lund har…"
            # "I've got a dog"; "We have a cat", "We just adopted a dog": its verb one or two words on.
            owning = next((i + 1 for i in range(at + 1, min(at + 3, len(words))) if words[i] in _OWNING), None)
            if owning is not None:
                found |= _first_relation(words[owning : owning + _OWNED_BETWEEN], every=True)
    return found | _unowned(_WORD.findall(text), words)


# Swedish names its own ones without "my" ("Sonen Viktor är 24", "Mamma fyller 70", "Katten Måns är 14 år"), and
# English its parents and partner ("Mum has early stage dementia", "I called Dad", "The wife and I"): bench/gate.py's
# "Vad kan jag skicka till min son när han har tentaperiod?" missed "Sonen Viktor är 24 och pluggar…" (0.813).
_KIN_NAMES = {word: one for one, words in {
    "mother": "mom mum mommy mummy mamma morsan", "father": "dad daddy pappa farsan", "partner": "hubby frugan",
    "grandmother": "grandma nana mormor farmor", "grandfather": "grandpa morfar farfar",
}.items() for word in words.split()}
_DEFINITE = {word: one for one, words in {
    "partner": "frun hustrun maken sambon pojkvännen flickvännen", "son": "sonen", "daughter": "dottern",
    "child": "barnen ungarna", "brother": "brodern brorsan", "sister": "systern syrran",
    "dog": "hunden valpen", "cat": "katten", "rabbit": "kaninen", "horse": "hästen", "guinea pig": "marsvinet",
}.items() for word in words.split()}
# "The wife and I", "the kids are off school": English says so of its own; and "Son Oliver turned 7", a name after.
_THE_OWN = {"wife": "partner", "hubby": "partner", "missus": "partner", "husband": "partner", "girlfriend": "partner",
            "boyfriend": "partner", "son": "son", "daughter": "daughter", "kids": "child"}
# Swedish kin words before a name are the user's own ("Pappa Hassan har diabetes", "Mamma Gun fyller 70").
_SWEDISH_KIN_FIRST = re.compile(r"^(?:[Mm]amma|[Pp]appa|[Mm]ormor|[Mm]orfar|[Ff]armor|[Ff]arfar|[Ss]onen|[Dd]ottern|"
                                r"[Kk]atten|[Hh]unden)s?$")
_AS_A_THING = frozenset("jokes joke jeans issues bod menu meny music rock film movie book bok".split())
_CONTRACTED_IS = frozenset("""how's what's who's where's when's why's that's it's there's here's he's she's
    let's""".split())
_SWEDISH_GENITIVE_KIN = ("mamma", "pappa", "mormor", "morfar", "farmor", "farfar", "morsan", "farsan")
# Someone else's ("his mom", "en mamma", "Annas dotter", "Sonen till grannen", "katten på bilden").
_ANOTHERS = frozenset("""a an the every any his her their your whose en ett hans hennes deras din ditt dina er ert
    sin sitt sina varje någon""".split())
_OF_ANOTHER_AFTER = frozenset("till of".split())  # not "åt": also "ate" ("Hunden åt upp min sko")
# Of a definite form or "the kids": "barnen i klassen", "the kids next door".
_ELSEWHERE_AFTER = frozenset("på i hos från vid in on at from next".split())
_NOT_GENITIVES = frozenset("hos dess oss was is has does this his its yes us gus".split())


def _unowned(raw: list[str], words: list[str]) -> set[str]:
    """The user's ones named without an owner, as Swedish and English name their own (`_KIN_NAMES`, `_DEFINITE`)."""
    found: set[str] = set()
    for at, word in enumerate(words):
        # A Swedish genitive: "Pappas HbA1c var 62", "sonens lärare" (a black-box pass: dad's dose was not his).
        bare = word.removesuffix("s") if word.endswith("s") else word
        one = _KIN_NAMES.get(word) or _DEFINITE.get(word) or _DEFINITE.get(bare) \
            or (_KIN_NAMES.get(bare) if bare in _SWEDISH_GENITIVE_KIN else None)
        the_own = _THE_OWN.get(word) if at and words[at - 1] == "the" and raw[at][0].islower() else None
        if not (one or the_own):
            continue
        # "Dad jokes", "Mom jeans", "Nana Mouskouri", "Daddy Yankee", "The Wife" (a film): a title or a
        # thing, not one of the user's (a review). Swedish "Pappa Hassan" is: Swedish names its own so.
        after = words[at + 1] if at + 1 < len(words) else ""
        titled = at + 1 < len(raw) and raw[at + 1][0].isupper() and not _SWEDISH_KIN_FIRST.match(raw[at])
        if titled or after in _AS_A_THING:
            continue
        before = words[max(0, at - 3) : at - 1] if the_own else words[max(0, at - 2) : at]
        genitive = at > 0 and ((raw[at - 1].endswith(("'s", "’s")) and raw[at - 1].lower().replace("’", "'")
                                not in _CONTRACTED_IS) or (
            len(words[at - 1]) > 3 and words[at - 1].endswith("s") and words[at - 1] not in _NOT_GENITIVES))
        if _ANOTHERS & set(before) or genitive or after in _OF_ANOTHER_AFTER \
                or ((word in _DEFINITE or the_own) and after in _ELSEWHERE_AFTER):
            continue
        found.add(one or the_own or "")
    return found


def _first_relation(words: list[str], every: bool = False) -> set[str]:
    """The first of the user's people or pets among `words` ("my wife's dog" is hers), or with `every` all
    ("I have two kids and a dog"), before anyone else's ("a friend whose cat")."""
    found: set[str] = set()
    for word in words:
        if word in _SOMEONE_ELSES:
            break
        one = _RELATION_OF.get(word) or _RELATION_OF.get(word.removesuffix("s"))
        if one:
            found.add(one)
            if not every:
                break
    return found


# A partner asked of without the word: "Am I seeing anyone?", "Is there anyone special in my life?", "Vem är
# jag tillsammans med?" (a black-box pass: "I live in Luleå with my partner Henrik." was not given).
_PARTNER_ASKED = re.compile(
    # Of now, or of a time over ("Who was I dating in March?", "Vem var jag tillsammans med i mars?").
    r"\b(?:am|are|was|were) (?:I|we) (?:single|married|dating|seeing (?:any|some)one|in a relationship)\b|"
    r"\bwho am I (?:dating|seeing|with)\b|\bwho was I dating\b|"
    r"\b(?:do|did) (?:I|we) have an? (?:boyfriend|girlfriend|partner)\b|"
    r"\b(?:any|some)one special in my life\b|"
    r"\b(?:är|har) (?:jag|vi) (?:gift|gifta|singel|tillsammans med|ihop med|i ett förhållande|"
    r"någon (?:pojkvän|flickvän|partner))|"
    r"\b(?:var|hade) (?:jag|vi) (?:gift|gifta|singel|i ett förhållande|(?:någon |en )?(?:pojkvän|flickvän|partner))|"
    r"\bvem dejtade jag\b|\bvem (?:är|var) (?:jag|vi) (?:tillsammans|ihop|gift) med\b|"
    r"\b(?:dejtar|träffar) jag någon\b",
    re.IGNORECASE)


# What a user asks of themselves that e5-small relates poorly to how it was told: "What's my job?" scored "I work as
# a product manager at Klarna." 0.800 and "Jag gillar kaffe." 0.799; "Where do I live?" "We moved to Uppsala in
# 2020." 0.773 (a black-box pass: a brain of six gave nothing). Each: what asks of it, what tells of it, and the
# words a keyword look-up for it searches.
_JOB_TITLES = ("manager engineer developer designer nurse teacher doctor lawyer consultant analyst chef accountant "
               "architect scientist researcher director officer specialist technician electrician plumber driver "
               "baker pilot programmer journalist lärare sjuksköterska läkare ingenjör utvecklare chef konsult "
               "snickare elektriker förskollärare undersköterska")
OWN_TOPICS = {
    "home": (re.compile(r"\b(?:where (?:do|did) (?:i|we) live|where (?:am|was|were) (?:i|we) living|"
                        r"where(?:'s| is) (?:my|our) home|what(?:'s| is) my (?:home )?address|"
                        r"va?rt? (?:bor|bodde) (?:jag|vi)|"
                        r"vilken stad bor (?:jag|vi)|(?:vad är )?min (?:adress|hemadress))\b", re.IGNORECASE),
             # "We're renting a one-bed flat in Headingley" (a black-box pass: no answer to "Where was I living
             # in August?").
             re.compile(r"\b(?:live[sd]?|living|moved|home|bor|bodde|flyttade|flyttat|flyttar|adress|address|"
                        r"rent(?:s|ed|ing)?|hyr(?:de|t|er)?|lägenhet\w*|apartment|(?:flat|house) in)\b", re.IGNORECASE),
             "live lives lived living moved home address bor bodde flyttade flyttat flyttar adress renting rent flat "
             "apartment hyr hyrde lägenhet"),
    # Of now, or of a time over ("What was my job in April?", "Vad jobbade jag med i april?").
    "job": (re.compile(r"\b(?:what(?:'s| is| was) my (?:job|work|profession|occupation|title|role)|"
                       r"what (?:do|did) i do for (?:a )?(?:living|work)|where (?:do|did) i work|"
                       r"who (?:do|did) i work for|"
                       r"what (?:is|was) my employer|va?r?d? (?:jobbar|arbetar|jobbade|arbetade) jag(?: med| som)?|"
                       r"vad (?:är|var) mitt (?:jobb|yrke)|vad (?:har|hade) jag för (?:jobb|yrke))\b", re.IGNORECASE),
            re.compile(r"\b(?:work(?:s|ed|ing)? (?:as|at|for)|job|employ\w*|hired|jobb\w*|arbetar|arbetade|anställd|"
                       r"började på|as an? (?:\w+ )?(?:" + _JOB_TITLES.replace(" ", "|") + r")|som (?:\w+)?(?:"
                       + _JOB_TITLES.replace(" ", "|") + r"))\b", re.IGNORECASE),
            "work works worked job jobs employed hired jobb jobbar jobbet arbetar anställd " + _JOB_TITLES),
}


def own_topics(question: str) -> set[str]:
    """The topics of the user's own a question asks of (`OWN_TOPICS`)."""
    return {topic for topic, (asks, _, _) in OWN_TOPICS.items() if asks.search(question)}


_SUBJECT_ONESELF = re.compile(r"\b(?:I|I'm|I've|we|We|we're|We're|jag|Jag|vi|Vi)\b")


def tells_of_topic(text: str, topics: set[str]) -> bool:
    """Whether the user tells of their own home or job (`OWN_TOPICS`): in the first person, of no one else of theirs
    ("My brother Erik lives in Berlin" is his)."""
    return (_SUBJECT_ONESELF.search(text) is not None or _OWN_START.match(text) is not None) \
        and not relations_of(text) and any(OWN_TOPICS[topic][1].search(text) for topic in topics)


# A diary's start without a subject: "First day as a UX designer at Spotify today!", "Började på Klarna idag" (a
# black-box pass: no answer to "Where do I work?").
_OWN_START = re.compile(r"\W*(?:first day|started|starting|began|första dagen|började|börjar)\b", re.IGNORECASE)


def topic_words(topics: set[str]) -> str:
    return " ".join(OWN_TOPICS[topic][2] for topic in sorted(topics))


def words_naming(ones: set[str]) -> str:
    """The words that name the user's `ones` ("partner": "wife", "fru", "sambo", "frun", …): what a keyword look-up
    for what was told of them searches."""
    return " ".join(sorted(word for table in (_RELATION_OF, _KIN_NAMES, _DEFINITE, _THE_OWN)
                           for word, one in table.items() if one in ones and word not in _OTHER_WORDS_TOO))


_OTHER_WORDS_TOO = frozenset("man make far mor barn".split())  # "man", "make", "far" are English words


def whom_asked_of(question: str) -> set[str]:
    """The user's ones a question asks of (`relations_of`), a kind of them counted as each of its
    ones when it is the user's: "Do I have any pets?", "Vilka husdjur har vi?", "Tell me about my family"."""
    found = relations_of(question)
    if "child" in found:  # "my kids" are each son and daughter told of
        found |= {"son", "daughter"}
    if of_oneself(question):
        for word in _WORD.findall(question.lower()):
            found |= _KINDS.get(word.rstrip("'’"), frozenset())  # "my parents' names"
        if _PARTNER_ASKED.search(question):
            found.add("partner")
    return found


# The user as subject or owner: "What is my job?", "Where do I live?", "Vad jobbar jag med?", "Where do
# we live?" (a black-box pass: the household's "My partner Sam and I live in Malmö." scored 0.815 and
# was not given). Not "me" ("tell me a joke"); "I" in capitals only, Swedish "i" being "in".
_ONESELF = re.compile(r"\bI\b|\b(?:[Mm]y|[Mm]ine|[Oo]urs?|[Ww]e|[Mm]in|[Mm]itt|[Mm]ina|[Jj]ag|[Vv]i|[Vv]år|[Vv]årt"
                      r"|[Vv]åra)\b")


# What a sentence that tells of a change says, in either language: "I have moved to Umeå", "I changed
# jobs, I am a nurse now", "My new girlfriend is Emma", "Jag har bytt jobb", "Vi har flyttat".
# What says something is over: sold, died, broken up, moved out, given up (not "sold out", "dead tired", "the
# meeting ended", "Jag slutade kl 17"). Swedish "dog" is "died" (tells_an_end).
_ENDS = (r"sold(?! out)|died|(?:is|are|was|were) dead|passed away|put down|put to sleep|gave (?:\w+ )?away|rehomed|"
         r"broke up|split up|divorced|separated|moved out|moved away|quit|gave up|given up|no longer|"
         r"(?:did not|didn't) make it|hit by a car|run over|sålde|sålt|dött|gick bort|gått bort|avliva\w*|"
         r"somnade in|omplacera\w*|gjort slut|gjorde slut|skilde|skilt|separerade|separerat|gick isär|gått isär|"
         r"gett upp|lagt av|blev överkörd|flyttade ut|flyttat ut|slutat|sagt upp|sa upp|inte längre|"
         # A black-box pass: "Someone stole my Bianchi", "We moved from Eskilstuna to Västerås".
         r"stole|stolen|stulen|stulits|moved from|flyttade från|flyttat från|"
         # "Oskar slutar med scouter", "He quits scouts" (a black-box pass: the Friday habit stayed).
         r"slutar med|slutade med|quits|quitting|dropped out|"
         # "So no more Thursday pickups from Sarah", "He's done with it", "Rachel discharged me" (a black-box pass);
         # not "no more than two meals", "Mum was discharged from hospital", "Per är inte tillbaka förrän på söndag" (a
         # review).
         r"no more (?:\w+ ){0,2}(?:on )?(?:mon|tues|wednes|thurs|fri|satur|sun)day\w*|done with it|discharged me")
# A plan that will not be as told (black-box passes: "Is the Atlas launch still on 20 November?" got the plan and not
# "we postpone the full launch of Atlas to 10 December"). Not a delay of minutes ("The flight was delayed 20 minutes
# but we made it"), "push back on", "Vi får vänta och se", "positivt inställd", "skjutsade upp" (a review).
_PLAN_CHANGES = (r"postpon\w*|(?:is|was|been|be) delayed (?:to|until|till)|pushed (?!me |him |her |us |them )"
                 r"(?:\w+ ){0,2}back(?! on)|"
                 r"reschedul\w*|rebooked|brought forward|moved(?: again)?,? now (?:on |the )?\d|"
                 r"extended (?:(?:it|the \w+|his \w+|her \w+|my \w+|our \w+) )?(?:to|until|till)\b"
                 r"(?! (?:me|us|him|her|them)\b)|"
                 r"förläng(?:d|t|s) till|"
                 r"(?:is|was|are|were|been|be|got) cancell?ed|cancell?ed (?:today|tonight|tomorrow)|called off|"
                 r"(?<!inte )inställ(?:d|t|da) (?:idag|i dag|ikväll|i kväll|imorgon|i morgon)|"
                 r"cancell?ed (?:the|our|my|his|her|their)\b|(?:skjuter|sköt|skjutit|skjuta|skjuts|sköts) upp|"
                 r"uppskjut\w*|försenad\w*|försenat|(?:är|blev|har blivit|blir) inställ(?:d|t|da)(?! på)|"
                 r"ställ(?:de|t)e? in (?:\w+n|\w+et|\w+na)\b(?! i | på | under )|ombokad|ombokat|bokade om|bokat om|"
                 r"tidigarelag\w*|"
                 r"(?:är|blev|har blivit) (?:flyttad|flyttat|flyttade) "
                 r"till|flyttas till|flyttades till|"
                 # Without "är": "Nova-deadline flyttad: … den 18 december", "…flyttad från onsdagar till tisdagar",
                 # "har flyttats till" (a black-box pass); not "Jag har flyttat till Umeå", a home.
                 r"(?<!har )(?<!hade )(?<!jag )(?<!vi )(?:flyttad|flyttat)(?:\s*:|\s+(?:till|från)\b)|"
                 r"flyttats (?:till|från)\b|will have to wait|(?<!vi )(?<!jag )får vänta(?! och| på| i\b)|"
                 r"blir inte av|blev inte av|won't happen|will not happen|"
                 # Moved to a time, not a place: "Moved Bosse's vet visit to Wednesday", "Dinner moved to the 19th".
                 r"moved (?:[\w'’]+ ){0,3}to (?:the |on |next )?(?:\d+(?:st|nd|rd|th)?\b(?! (?:floor|chapter|inch|"
                 r"grade|level|place|våning))|(?:mon|tues|wednes|thurs|fri|satur|sun)days?\b(?! school)|january|"
                 r"february|march|april|june|july|august|september|october|november|december)")
# A value replaced: a dose or an amount changed ("Levaxin-dosen ska höjas till 100 mikrogram": a black-box pass), or
# one thing taken instead of another.
_NEW_VALUE = (r"instead|istället|raised|increased|lowered|reduced|upped|doubled|halved|höj(?:s|as|d|t|er|de|des)|"
              r"sänk(?:s|as|t|er|te|tes)|ök(?:as|at|ar|ade|ades)|minsk(?:as|at|ar|ade|ades)|"
              r"(?:changed|switched|bytt|bytte|byter) (?:\w+ )?(?:to|till|från|from)")
_NEW_VALUE_SAID = re.compile(r"\b(?:" + _NEW_VALUE + r")\b", re.IGNORECASE)
_CHANGE = re.compile(
    r"\b(?:" + _PLAN_CHANGES + r"|moved?|moving|chang(?:e|ed|ing)|switch(?:ed)?|new|now|became|become|started|left|"
    r"any ?more|got|bought|"
    r"married|engaged|retired|promoted|graduated|flytta[rt]?|flyttade|byt(?:er|t|te)|ny|nytt|nya|nu|blivit|blev|"
    r"börja[rt]|började|slutade|skild|gift|förlovad|förlovade|skaffat|skaffade|köpt|köpte|pensionerad|befordrad|"
    r"tog examen|" + _NEW_VALUE + "|" + _ENDS + r")\b", re.IGNORECASE)
# Not a wish: "Ben wants to quit gymnastics" (a black-box pass: linked as the end of everything naming Ben).
_END = re.compile(r"(?<!wants to )(?<!want to )(?<!going to )(?<!vill )\b(?:" + _ENDS
                  + r"|(?:not|\w+n't)(?: \w+){1,3} any ?more)\b", re.IGNORECASE)
_PLAN_CHANGE = re.compile(r"\b(?:" + _PLAN_CHANGES + r")", re.IGNORECASE)
_SWEDISH_DIED = re.compile(r"\bdog\b", re.IGNORECASE)


def tells_a_new_value(text: str) -> bool:
    """Whether a memory says a value was replaced: a dose raised, one medicine taken instead of another."""
    return _NEW_VALUE_SAID.search(text) is not None


def tells_a_change(text: str) -> bool:
    """Whether a memory says something changed: what may make an older memory no longer true."""
    return _CHANGE.search(text) is not None


# A correction of what was told before: "Actually my sister is called Lina, not Lena.", "Jag menade Umeå,
# inte Luleå.", "Rättelse: mötet är på fredag".
_CORRECTION = re.compile(r"\b(?:correction|rättelse|I meant|jag menade|(?:nej|nä),? förresten|no wait|sorry,? I mean)\b"
                         r"|\b(?:actually|egentligen)\b[^.!?]*"
                         r"\b(?:called|named|heter|hette)\b|, (?:not|inte) (?-i:[A-ZÅÄÖ0-9])", re.IGNORECASE)


def tells_a_correction(text: str) -> bool:
    """Whether a memory corrects an earlier one: what it corrects is needed to understand it."""
    return _CORRECTION.search(text) is not None


def tells_a_plan_changed(text: str) -> bool:
    return _PLAN_CHANGE.search(text) is not None


# Done when it was said, of a later time: a booking, a sign-up, something agreed, a plan moved ("Har anmält mig till
# Lucialoppet den 13 december", "Tom asked me to cover his shift on Sunday", "The stats exam got moved to 16
# December"). Black-box passes: none was what the user did the day they told it.
_ARRANGED = re.compile(r"\b(?:booked|bokade|bokat|anmälde|anmält|anmäld|anmälda|signed up|registered (?:for|to|myself)|"
                       r"reserved|ordered|beställde|beställt|bought tickets|köpte biljett\w*|"
                       # Agreed by the user, or asked of them: not "He promised to call me tomorrow" (a review).
                       r"(?:asked|invited) (?:me|us) to|(?:i|we) (?:agreed|promised|offered) to|bad (?:mig|oss)|"
                       r"(?:jag|vi) (?:lovade|erbjöd)|gick med på)\b", re.IGNORECASE)


def arranges(text: str) -> bool:
    """Whether a memory tells of something arranged for a later time: what was done the day it was said."""
    return _ARRANGED.search(text) is not None or tells_a_plan_changed(text)


def tells_an_end(text: str) -> bool:
    """Whether a memory says something of the user's is over ("Misse died yesterday", "I sold the
    Volvo", "Sara and I broke up", "Misse dog i natt"): an older memory naming it is no longer true."""
    return _END.search(text) is not None or (
        _SWEDISH_DIED.search(text) is not None and language_of(text) != "en")


def of_oneself(text: str) -> bool:
    """Whether a message speaks of its writer as its subject or owner."""
    return _ONESELF.search(text) is not None


# The user as the one who does, eats or is asked for: "Should I buy…", "Can we…", "for me", "åt oss".
_USER_AS_SUBJECT = re.compile(r"\bI\b|\b(?:me|we|us|myself|ourselves|jag|mig|vi|oss)\b", re.IGNORECASE)


def whose_food(text: str) -> set[str]:
    """Whom of the user's a message about food is about, when the user is not in it as the one who
    eats, serves or asks ("Does my mom drink coffee?": the mother; "Should I buy a milkshake for my
    wife?": no one, the user is): their diets, not everyone's, are what it needs."""
    if _USER_AS_SUBJECT.search(_CAN_YOU.sub("", text)) is not None:
        return set()
    return relations_of(text)


def in_first_person(text: str) -> bool:
    """Whether the message speaks of the user ("What did I do last week?", "Vad gjorde vi?");
    a lowercase "i" is English after an English auxiliary ("what did i do"), else Swedish "in"."""
    words = [w.lower() for w in _WORD.findall(text)]
    typed_i = any(w == "i" and at and words[at - 1] in AUXILIARIES for at, w in enumerate(words))
    return typed_i or any(found.group() != "i" for found in _FIRST_PERSON.finditer(text))


# The past of a question about the user's own time ("What did I do last week?", "Vad köpte jag
# igår?"). English: an auxiliary anywhere, a past form after I/we or a perfect's "have". Swedish:
# a past form next to "jag"/"vi" ("gjorde jag", "har jag sett"); regular ones end in -de/-te,
# less the words that only look like them.
PAST_AUXILIARIES = frozenset("did didn't was wasn't were weren't had hadn't".split())
PAST_FORMS = frozenset("""
    ate bought came done drank drove eaten felt forgot found gave got gotten gone heard kept knew
    lost made met paid ran said sang saw seen sent sold spent spoke slept swam
    taken took thought told went won wore wrote written been
    sa sade åt drack såg sett gick gått kom kommit fick fått tog tagit skrev skrivit sov sovit
    var varit ätit druckit sagt gjort köpt läst träffat pratat sprang sprungit vann vunnit
""".split())
# Not "read", "put", "left" (present too) nor Swedish "for" (English "for").
NOT_PAST = frozenset("""
    inte måste borde kunde lite möte mötet ende bäste näste ände hemte
    första andra tredje fjärde femte sjätte sjunde åttonde nionde tionde elfte tolfte
""".split())
_PAST_AFTER = frozenset("i we have has had 've".split())
_CLAUSE_BREAK = re.compile(r"[.,;:!?…？]+")
REMINDING_WORDS = frozenset("remind påminn".split())
# Of the past: "Vad händer i helgen?" asks of the coming weekend (a review).
_HAPPENED = re.compile(r"\b(?:happen|happened|went on|hände|hänt)\b"
                       r"|\b(?:anything|something|något) (?:special|särskilt|speciellt|new|nytt|fun|roligt)\b",
                       re.IGNORECASE)
TIME_NAMES = frozenset(MONTHS) | frozenset(WEEKDAYS) | frozenset("""
    måndag tisdag onsdag torsdag fredag lördag söndag
    christmas easter midsummer jul julafton påsk påskafton midsommar midsommarafton nyår nyårsafton
""".split())


def asks_what_happened(text: str) -> bool:
    """"What happened on 2 December?", "Vad hände i onsdags?": of all that is known of a time, not only of what
    the user did then."""
    return _HAPPENED.search(text) is not None


def about_own_past(text: str, time_over: bool = True) -> bool:
    """Whether the message asks what the user did or said at some time ("What did I do last
    week?", "Which films have I watched?", "Vad åt jag igår?", "Tell me what I did"), rather than
    something else in the first person ("How long should I boil an egg today?", "Ska jag ta
    paraply idag?", "Jag har fått i mig 90 g protein idag, hur mycket fattas?"): a clause that
    asks or requests, in the first person and the past. Or what happened then, of no one named
    ("What happened yesterday?", "Minns du vad som hände igår?"): the user's assistant knows of no
    other happenings. `time_over`: whether the time it asks of is over (see PLANS)."""
    if any(_HAPPENED.search(sentence) and _asks_of_a_time(sentence) for sentence in _SENTENCE.findall(text)) \
            and not _names_someone(text):
        return True
    for clause in _CLAUSE_BREAK.split(text):
        words = [w.lower().replace("’", "'") for w in _WORD.findall(clause)]
        if not words or not in_first_person(clause):
            continue
        opened = _opened(words)
        asks = opened[0] in ASKING_WORDS | REQUEST_WORDS | REMINDING_WORDS
        if (asks or (len(opened) > 1 and opened[1] in ("jag", "vi") and _past(opened, 0, time_over))) and any(
                _past(words, at, time_over) for at in range(len(words))):
            return True
    return False


def of_the_past(text: str, time_over: bool = True) -> bool:
    """Whether a question asks of something done or said at a time, by anyone ("What did Anna buy in
    March?", "When was the party?", "Vad köpte Erik igår?", "What did I do last week?"), rather than of
    what is or will be then ("Does Bosse need his medicine today?", "What am I doing on Christmas
    Eve?"). Of the past, a time's memories are the answer and `/query` gives them alone; otherwise they
    only come first (a black-box pass: "today" hid the older note on Bosse's medicine). English by its
    auxiliaries; Swedish by a past form right after the question word ("Vad köpte", "När var"); both by
    a perfect ("has bought", "har köpt"). `time_over`: whether the time it asks of is over (see PLANS)."""
    if about_own_past(text, time_over):
        return True
    for clause in _CLAUSE_BREAK.split(text):
        words = [w.lower().replace("’", "'") for w in _WORD.findall(clause)]
        if any(w in PAST_AUXILIARIES for w in words):
            return True
        opened = _opened(words)
        if len(opened) > 1 and opened[0] in ASKING_WORDS and _past_form(opened[1], swedish=opened[0] in _SV_ASKING):
            return True
        # A perfect: "What has Anna bought", "Vad har Anna köpt": a past form within five words
        # of "has"/"har", not "have to" ("Do I have to decide today?").
        for at, word in enumerate(words):
            if word in _PERFECT and words[at + 1 : at + 2] != ["to"] and not _possessive_have(words, at):
                # Its subject may come between: "At which venues has Low Tide Static played?"
                swedish = word in ("har", "hade")
                after = [w for w in words[at + 1 : at + 6] if time_over or w not in PLANS]
                if any(w in _PARTICIPLES or _past_form(w, swedish) or (swedish and _supine(w)) for w in after):
                    return True
    return False


_PERFECT = frozenset("has have har hade".split())
# What is planned, asked of a time not over, is asked of what that time holds, told before it: "What
# have I planned for tonight?", "Vad har jag inplanerade idag?". Of a time over, it is what was done
# then: "What have I booked last week?", "Vad planerade jag igår?" (a review).
PLANS = frozenset("""
    planned scheduled booked arranged organised organized
    planerade inplanerade bokade schemalagde
""".split())


def _supine(word: str) -> bool:
    """A Swedish supine, after "har": "bokat", "betalat", "skrivit", "fått"."""
    return word.endswith(("at", "it", "tt")) and len(word) > 4 and word not in NOT_PAST


def _possessive_have(words: list[str], at: int) -> bool:
    """Whether `words[at]` is "have" of "do I have", "does Anna have": what one holds, no perfect."""
    return words[at] in ("have", "has") and bool({"do", "does", "don't", "doesn't"} & set(words[max(at - 3, 0):at]))
# English participles that are no past form of their own ("has run", "has built").
_PARTICIPLES = frozenset("run built begun brought caught chosen flown grown known shown taught heard".split())
# Swedish question words: after them a past ends in -de or -te ("Vad köpte", "När åkte"); after English
# ones such a word is a noun ("Which gate", "What code", "Which side").
_SV_ASKING = frozenset("vad var vart varifrån vem vems vilka vilken vilket när hur varför".split())


def _past_form(word: str, swedish: bool) -> bool:
    """A verb's past, of any person: "went", "happened"; "köpte", "åkte", "var" after a Swedish question word."""
    if word in PAST_FORMS:
        return word != "var" or swedish
    if swedish:
        return word.endswith(("de", "te")) and len(word) > 3 and word not in NOT_PAST
    return word.endswith("ed") and not word.endswith("eed") and len(word) > 3


def _asks_of_a_time(sentence: str) -> bool:
    """A question or a request ("Something fun happened today!" tells)."""
    said = [w.lower() for w in _WORD.findall(sentence)]
    return bool(said) and (sentence.rstrip().endswith(("?", "？"))
                           or _opening(said) in ASKING_WORDS | REQUEST_WORDS | REMINDING_WORDS)


def _names_someone(text: str) -> bool:
    """A name other than a time's after a sentence's first word: "What happened in Kyiv yesterday?"."""
    return any(word[0].isupper() and word != "I" and word.lower() not in TIME_NAMES
               for sentence in _SENTENCE.findall(text) for word in _WORD.findall(sentence)[1:])


# Capitalised words that are no names wherever they stand: a sentence's first word is capitalised
# whatever it is ("My colleague Erik…", "Jag har ont…"), and so are a title's ("My Favorite Murder").
NOT_NAMES = (ASKING_WORDS | QUESTION_WORDS | REQUEST_WORDS | SMALL_TALK | OPENING_WORDS | SWEDISH_ONLY | POSSESSIVES
             | KEEPING_WORDS | PLEASE | TIME_NAMES | PREPOSITIONS | AND_WORDS | SUPPOSING | REMINDING_WORDS
             | frozenset("""
    i me we us you he she it they them his her its their the a an this that these those there here not no
    today tomorrow yesterday tonight now then just also maybe last next after before since ago
    mig oss dig han hon hen den det de dem hans hennes deras denna detta dessa där här inte
    idag igår imorgon ikväll nu sedan bara också kanske förra nästa efter innan sist
    kommer tror tycker känner vill behöver brukar måste borde
    dr mr mrs prof jr sr
""".split()))
# Endings Swedish and English give a name: a genitive ("Eriks", "Spotifys") and a definite form
# ("Volvon", "Volvons"): "Vi sålde Volvon" is about the Volvo a question names.
NAME_ENDINGS = ("ens", "ets", "ns", "en", "et", "s", "n")


def name_forms(text: str, openers: bool = True) -> set[str]:
    """The names in `text`, lowercased, each also without the endings it may carry: capitalised
    words that are no common word ("Erik fyller år", "Eriks intresse", "När fyller Erik år?" all
    name "erik"). `openers`: also a sentence's first word, which is capitalised whatever it is
    ("Gick till gymmet."); a word with an apostrophe but a genitive's is none ("I'm", "Don't")."""
    forms: set[str] = set()
    words = [w for sentence in _SENTENCE.findall(text) for w in _WORD.findall(sentence)[0 if openers else 1 :]]
    for word in words:
        term = word.lower().replace("’", "'").removesuffix("'s")
        if not word[0].isupper() or term in NOT_NAMES or "'" in term:
            continue
        forms.add(term)
        forms.update(term[: -len(ending)] for ending in NAME_ENDINGS
                     if term.endswith(ending) and len(term) - len(ending) >= 3)
    return forms


_LETTER = re.compile(r"[^\W\d_]")


def wordless(text: str) -> bool:
    """No letter in it ("12345", "🐶🐶🐶", "!!!"): e5 puts such a memory near every question (0.83-0.85
    for "Tell me about my dog."), so only a question holding it may find it."""
    return _LETTER.search(text) is None


def _past(words: list[str], at: int, time_over: bool = True) -> bool:
    """Whether `words[at]` is a past form of a question about the user (see PAST_FORMS, PLANS)."""
    word = words[at]
    if word in PAST_AUXILIARIES:
        return True
    near = set(words[max(at - 2, 0):at]) | set(words[at + 1:at + 2])
    if word in PAST_FORMS and near & {"i", "we", "jag", "vi"}:
        return True
    if (word.endswith("ed") and not word.endswith("eed") and len(word) > 3 and at and words[at - 1] in _PAST_AFTER
            and (time_over or word not in PLANS) and not _possessive_have(words, at - 1)):
        return True
    swedish_past = word.endswith(("de", "te")) and len(word) > 3 and word not in NOT_PAST
    # A supine after "har"/"hade": "Vad har jag bokat", "har vi betalat" (a recheck: no window).
    supine = _supine(word) and bool({"har", "hade"} & set(words[max(at - 3, 0):at]))
    swedish_past = (swedish_past or supine) and (time_over or word not in PLANS)
    return swedish_past and bool(near & {"jag", "vi"})


def tells_of_the_done(text: str) -> bool:
    """Whether a statement tells what the user did and of nothing they will do ("Jag köpte en ny cykel", "I ran
    10 km on Sunday"): no answer to what they are doing at a time to come (a black-box pass: "What am I doing
    tomorrow?" got yesterday's bike)."""
    return not plans(text) and tells_a_deed(text)


def tells_a_deed(text: str) -> bool:
    """Whether a statement tells something done, whatever else it tells: "Ringde doktor Karlsson. Jag ska ta
    Losartan från och med måndag." """
    for clause in _CLAUSE_BREAK.split(text):
        words = [w.lower().replace("’", "'") for w in _WORD.findall(clause)]
        if any(_past(words, at) for at in range(len(words))) or (words and _opens_a_diary(words[0]) and not (
                words[0] in _CHANGING and _ROUTINE.search(text))):
            return True
    return False


def _opens_a_diary(word: str) -> bool:
    """A past form without a subject, as a diary is written: "Ringde doktor Karlsson", "Called the dentist". Of
    verbs only: not "Föräldramöte på torsdag", "Svante fyller 70", "Excited for Friday" (a review)."""
    return word in PAST_FORMS or word in _DIARY_PAST or (word.endswith("ade") and len(word) > 5) \
        or (word.endswith("ed") and len(word) > 4 and word not in _FEELINGS and not word.endswith(("med", "fred")))


# What changes a routine is no deed of the day: "Switched my Costa shifts, now it's Fridays instead of Sundays",
# "Bytte gympan till onsdagar" (a recheck: left out of the plans asked for); "Moved into the new house today!",
# "Bytte däck på bilen" are deeds (a review).
_CHANGING = frozenset("""switched changed moved swapped rescheduled postponed bytte flyttade ändrade""".split())
_ROUTINE = re.compile(r"\b(?:instead|istället|now (?:it's|on)|(?:mon|tues|wednes|thurs|fri|satur|sun)days"
                      r"|(?:mån|tis|ons|tors|fre|lör|sön)dagar(?:na)?)\b", re.IGNORECASE)


_DIARY_PAST = frozenset("""
    had brought caught fed left put bought called
    ringde köpte hade blev satt låg åkte läste hjälpte besökte glömde körde hörde lärde sålde hyrde byggde la lade
    gjorde sökte mötte tänkte kände lekte steg fyllde sprang simmade fick bytte trodde bodde klädde sydde nådde
""".split())  # not every "-tte"/"-dde": Annette, Charlotte
# Past participles said as how one feels: "Excited for Friday!", "Tired after the night shift".
_FEELINGS = frozenset("""
    excited tired bored stressed worried exhausted relieved annoyed scared interested pleased surprised confused
    thrilled delighted disappointed frustrated overwhelmed amazed shocked embarrassed determined convinced
    tied used need indeed
""".split())


# A message that goes on from the one before it: "Och vem rapporterar hen till?", "And before that?", "What about
# Per?", "Vad tyckte jag om det?". Alone it finds nothing of what it asks (a black-box pass: "Och innan dess?"
# got three runs, "Who's running it now?" two).
FOLLOW_UP_MOST_WORDS = 8
WHY_MOST_WORDS = 4
_GOING_ON = frozenset("and but or also och men eller också".split())
_GOING_ON_PHRASE = re.compile(r"^\W*(?:what about|how about|and what about|hur är det med|hur var det med|än|och)\b",
                              re.IGNORECASE)
_POINTING = frozenset("""it that this those these them he she they him her his its there then
    hen han hon den det dem dom honom henne hans hennes dess där då dit""".split())


def follows_up(text: str) -> bool:
    """Whether a short message asks on from the one before it: it opens going on ("And…", "Men…", "What about…")
    or points back ("it", "hen", "innan dess") and names nothing. What it asks is then searched for with the
    message before it."""
    words = [w.lower().replace("’", "'") for w in _WORD.findall(text)]
    if not words or len(words) > FOLLOW_UP_MOST_WORDS or small_talk(text):
        return False
    if words[0] in _GOING_ON or _GOING_ON_PHRASE.match(text):
        return True
    # Two words asked at most: "Hur länge?", "Varför då?", "How come?" (a black-box pass: "hur länge?" after a
    # question about the cat got others' memories).
    # And a short why: "Varför fick jag byta?" after "Vilken medicin tar jag för blodtrycket nu?" (a black-box pass: it
    # got five unrelated memories, and the follow-ups after it leaned on it).
    asked_short = (len(words) <= 2 or (len(words) <= WHY_MOST_WORDS and words[0] in ("why", "varför"))) \
        and text.rstrip().endswith(("?", "？"))
    return (asked_short or bool(_POINTING & set(words))) and not name_forms(text, openers=False)


def about_the_conversation(text: str) -> bool:
    """Whether the message asks about what was said ("What did I ask you yesterday?")."""
    return _TALK.search(text) is not None


# What was so for a while, asked of a time: "Where was I living in March?", "Var bodde jag i mars?", "Who was
# my girlfriend in March?", "What car did I drive last year?". Not what was done ("What did I do in March?",
# "How was my week?"; "Did I have a meeting?": "have" says neither).
_POSSESSIONS = ("car|bike|bicycle|phone|dog|cat|pets?|house|flat|apartment|bil|cykel|telefon|hund|katt|husdjur|hus|"
                "lägenhet")
_PARTNERS = "boyfriend|girlfriend|partner|husband|wife|pojkvän|flickvän|sambo|man|fru"
_THING_ENDS = r"(?=\s*(?:[?!.,]|$|(?:in|on|at|when|last|during|before|after|then|i|på|när|förra|då)\b))"
_STATE = re.compile(
    r"\b(?:I|we|who) (?:\w+ )?liv(?:e|ed|ing)\b|\bwhere (?:did|was|were) (?:I|we) work|"
    r"\b(?:I|we) (?:\w+ )?work(?:ed|ing)? (?:as|at|for)\b|"
    r"\b(?:who|what|where|which) (?:\w+ )?(?:was|were) (?:my|our)\b|"
    r"\b(?:was|were) (?:I|we) (?:dating|seeing|together with|married|single|in a relationship)\b|"
    r"\b(?:what|which) (?:" + _POSSESSIONS + r") (?:did|was|were) (?:I|we)\b|"
    # "Did I have a car in the summer?", "Hade jag bil i somras?" (a black-box pass: read as what was done then, and
    # the car told before it was left out).
    # The thing itself, not a compound's first word: not "Did I have a phone call…" (a review).
    r"\b(?:did|do) (?:I|we) (?:have|own) (?:a |an |any )?(?:" + _POSSESSIONS + r"|" + _PARTNERS + r")"
    + _THING_ENDS + "|"
    r"\b(?:hade|ägde) (?:jag|vi) (?:en |ett |någon |något |några )?(?:" + _POSSESSIONS + r"|" + _PARTNERS + r")"
    + _THING_ENDS + "|"
    r"\b(?:bodde|bott)\b|\b(?:var|vem) (?:jobbade|arbetade) (?:jag|vi)\b|"
    r"\b(?:jobbade|arbetade) (?:jag|vi) (?:som|på|hos)\b|"
    r"\b(?:vem|vad|vilken|vilket|vilka) (?:\w+ )?var (?:min|mitt|mina|vår|vårt|våra)\b|"
    r"\bvar (?:jag|vi) (?:tillsammans|ihop|gift|singel)\b|\b(?:vilken|vilket|vilka) (?:" + _POSSESSIONS + r") "
    r"(?:hade|ägde|körde) (?:jag|vi)\b", re.IGNORECASE)


def asks_of_a_state(question: str) -> bool:
    """Whether a question asks what was so at a time, which a memory told before that time still tells
    unless a later one changed it, rather than what was done or said then."""
    return _STATE.search(question) is not None
