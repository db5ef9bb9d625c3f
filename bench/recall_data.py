"""Synthetic multi-session conversations with planted facts, for bench/recall.py.

Deterministic (one `random.Random(seed)`), offline, no model: every brain talks
in English or Swedish for about six months; facts, later corrections and a few
recurring topics are planted among varied small talk about the same subjects,
and each question paraphrases what was said, so finding the evidence takes
more than matching words.

    python bench/recall_data.py --brains 12 --seed 7   # prints counts and a sample
"""

import argparse
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal

Lang = Literal["en", "sv"]
QType = Literal["fact", "paraphrase", "update", "relative", "unanswerable"]

DAY = 86_400
START = datetime(2024, 9, 2, tzinfo=UTC)
SPAN_DAYS = 180


@dataclass(frozen=True, slots=True)
class Turn:
    id: str
    brain: str
    content: str
    created_at: float


@dataclass(frozen=True, slots=True)
class Question:
    brain: str
    question: str
    evidence_ids: list[str]
    now: float
    lang: Lang
    qtype: QType
    superseded_ids: list[str] = field(default_factory=list)  # what an update replaced: must not outrank it


@dataclass(slots=True)
class Plant:
    key: str
    user: str
    assistant: str


@dataclass(slots=True)
class Ask:
    text: str
    keys: list[str]
    qtype: QType
    superseded: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Session:
    day: int
    size: int
    plants: list[Plant] = field(default_factory=list)


# ---------------------------------------------------------------- vocabulary

NAMES = {
    "en": {"f": ["Emma", "Olivia", "Sophie", "Grace", "Chloe", "Megan", "Ruby", "Hannah", "Lucy", "Fiona"],
           "m": ["Liam", "Noah", "Oliver", "Jack", "Harry", "Daniel", "Tom", "Sam", "Owen", "Callum"]},
    "sv": {"f": ["Ingrid", "Astrid", "Elsa", "Maja", "Saga", "Linnea", "Karin", "Sigrid", "Ebba", "Tove"],
           "m": ["Elias", "Hugo", "Nils", "Axel", "Oskar", "Björn", "Gustav", "Arvid", "Leo", "Måns"]},
}
CITIES = {"en": ["Leeds", "Bristol", "Edinburgh", "Dublin", "Cardiff", "Boston", "Denver", "Galway", "York", "Bath"],
          "sv": ["Umeå", "Luleå", "Kiruna", "Visby", "Malmö", "Lund", "Falun", "Växjö", "Örebro", "Sundsvall"]}
PETS = {"en": ["Biscuit", "Rufus", "Pepper", "Luna", "Milo", "Ziggy", "Waffles", "Juniper"],
        "sv": ["Sixten", "Tassen", "Molly", "Bamse", "Ludde", "Selma", "Kajsa", "Pluttan"]}
COMPANIES = ["Volvo", "Spotify", "Ericsson", "IKEA", "Klarna", "Scania", "Saab", "H&M", "Northvolt", "King"]
PHONES = ["iPhone 12", "Pixel 8", "Galaxy S23", "Fairphone 5", "iPhone 15", "OnePlus 11"]
MONTHS = {"en": ["January", "February", "March", "April", "May", "June", "July", "August", "September",
                 "October", "November", "December"],
          "sv": ["januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september",
                 "oktober", "november", "december"]}
WEEKDAYS = {"en": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
            "sv": ["måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag"]}
NUMBER_WORDS = {"en": {2: "two", 3: "three", 4: "four", 5: "five"},
                "sv": {2: "två", 3: "tre", 4: "fyra", 5: "fem"}}

ACKS = {
    "en": ["Noted, I'll remember that.", "Got it, thanks for telling me.", "Good to know! I've made a note of it.",
           "Thanks, I'll keep that in mind.", "Understood.", "Okay, I've got that written down.",
           "That's useful to know, thanks."],
    "sv": ["Noterat, det ska jag komma ihåg.", "Uppfattat, tack för att du berättar.", "Bra att veta! Jag har "
           "skrivit upp det.", "Tack, det har jag i åtanke.", "Förstått.", "Okej, det har jag antecknat.",
           "Det är bra att veta, tack."],
}

# ---------------------------------------------------------------- facts: (user line, assistant, questions)

Fact = tuple[str, list[tuple[str, QType]]]
FactMaker = Callable[[random.Random, Lang], Fact]


def _date(rng: random.Random, lang: Lang) -> str:
    day, month = rng.randint(1, 28), rng.choice(MONTHS[lang])
    return f"{day} {month}" if lang == "en" else f"den {day} {month}"


def fact_sibling(rng: random.Random, lang: Lang) -> Fact:
    female = rng.random() < 0.5
    name, city = rng.choice(NAMES[lang]["f" if female else "m"]), rng.choice(CITIES[lang])
    if lang == "en":
        rel = "sister" if female else "brother"
        return (f"My {rel} {name} lives in {city}, we usually call each other on Sundays.",
                [(f"Where does my {rel} live?", "fact"), ("In which town is my sibling living these days?",
                                                           "paraphrase")])
    rel = "syster" if female else "bror"
    return (f"Min {rel} {name} bor i {city}, vi brukar ringas på söndagarna.",
            [(f"Var bor min {rel}?", "fact"), ("I vilken stad har mitt syskon sitt hem numera?", "paraphrase")])


def fact_pet(rng: random.Random, lang: Lang) -> Fact:
    dog, name, age = rng.random() < 0.5, rng.choice(PETS[lang]), rng.randint(2, 11)
    if lang == "en":
        species = "dog" if dog else "cat"
        para = "What was the name of my pup?" if dog else "What do we call our kitty?"
        return (f"Our {species} is called {name}, {age} years old and completely spoiled.",
                [(f"What's my {species}'s name?", "fact"), (para, "paraphrase")])
    species = "hund" if dog else "katt"
    para = "Vad var namnet på min vovve?" if dog else "Vad kallar vi vår kisse?"
    return (f"Vår {species} heter {name}, {age} år gammal och väldigt bortskämd.",
            [(f"Vad heter min {species}?", "fact"), (para, "paraphrase")])


def fact_allergy(rng: random.Random, lang: Lang) -> Fact:
    if lang == "en":
        food = rng.choice(["peanuts", "shellfish", "sesame", "kiwi", "celery"])
        return (f"I'm allergic to {food}, even a tiny trace makes me ill.",
                [("What am I allergic to?", "fact"), ("Is there any food I must avoid?", "paraphrase")])
    food = rng.choice(["jordnötter", "skaldjur", "sesam", "kiwi", "selleri"])
    return (f"Jag är allergisk mot {food}, även små spår gör mig dålig.",
            [("Vad är jag allergisk mot?", "fact"), ("Finns det något jag inte tål att äta?", "paraphrase")])


def fact_door_code(rng: random.Random, lang: Lang) -> Fact:
    code = rng.randint(1000, 9999)
    if lang == "en":
        return (f"The door code to our building is {code}, in case I forget it again.",
                [("What's the door code for our building?", "fact"),
                 ("Which digits get me into the stairwell at home?", "paraphrase")])
    return (f"Portkoden till vårt hus är {code}, ifall jag glömmer den igen.",
            [("Vad är portkoden till huset?", "fact"),
             ("Vilka siffror slår jag för att komma in i trapphuset?", "paraphrase")])


APPOINTMENTS = {
    "en": [("dentist", "When do I get my teeth looked at?"), ("optician", "When is my eyesight being checked?"),
           ("hairdresser", "When am I getting a trim?"), ("vet", "When does the animal doctor see us?")],
    "sv": [("tandläkaren", "När ska jag få tänderna kollade?"), ("optikern", "När ska synen kontrolleras?"),
           ("frisören", "När blir det klippning för min del?"), ("veterinären", "När ska djurdoktorn titta på oss?")],
}


def fact_appointment(rng: random.Random, lang: Lang) -> Fact:
    place, para = rng.choice(APPOINTMENTS[lang])
    hour, minute = rng.randint(8, 16), rng.choice(["00", "15", "30", "45"])
    if lang == "en":
        return (f"My {place} appointment is on {_date(rng, lang)} at {hour}:{minute}.",
                [(f"When is my {place} appointment?", "fact"), (para, "paraphrase")])
    return (f"Jag har tid hos {place} {_date(rng, lang)} klockan {hour}.{minute}.",
            [(f"När har jag tid hos {place}?", "fact"), (para, "paraphrase")])


def fact_dish(rng: random.Random, lang: Lang) -> Fact:
    if lang == "en":
        dish = rng.choice(["lasagne", "pad thai", "fish pie", "mushroom risotto", "chicken tikka masala"])
        return (f"My absolute favourite dish is {dish}, I could eat it every day.",
                [("What's my favourite dish?", "fact"), ("Which meal would make me happiest for dinner?",
                                                         "paraphrase")])
    dish = rng.choice(["kåldolmar", "pyttipanna", "laxpudding", "köttbullar med lingon", "raggmunk"])
    return (f"Min favoriträtt är {dish}, det skulle jag kunna äta varje dag.",
            [("Vilken är min favoriträtt?", "fact"), ("Vad skulle göra mig gladast att få till middag?",
                                                      "paraphrase")])


def fact_drink(rng: random.Random, lang: Lang) -> Fact:
    tea = rng.random() < 0.5
    if lang == "en":
        a, b = ("tea", "coffee") if tea else ("coffee", "tea")
        return (f"I much prefer {a} to {b}, honestly.", [("Which hot beverage do I like best?", "paraphrase")])
    a, b = ("te", "kaffe") if tea else ("kaffe", "te")
    return (f"Jag föredrar faktiskt {a} framför {b}.", [("Vilken varm dryck tycker jag bäst om?", "paraphrase")])


def fact_partner_birthday(rng: random.Random, lang: Lang) -> Fact:
    wife = rng.random() < 0.5
    name = rng.choice(NAMES[lang]["f" if wife else "m"])
    if lang == "en":
        rel = "wife" if wife else "husband"
        return (f"My {rel} {name}'s birthday is on {_date(rng, lang)}.",
                [(f"When is my {rel}'s birthday?", "fact"),
                 ("On what date should I have a present ready for my other half?", "paraphrase")])
    rel = "fru" if wife else "man"
    return (f"Min {rel} {name} fyller år {_date(rng, lang)}.",
            [(f"När fyller min {rel} år?", "fact"),
             ("Vilket datum behöver jag ha en present klar till min respektive?", "paraphrase")])


def fact_hometown(rng: random.Random, lang: Lang) -> Fact:
    town = rng.choice(CITIES[lang])
    if lang == "en":
        return (f"I grew up in {town}, we moved away when I was sixteen.",
                [("Where did I grow up?", "fact"), ("Where did I spend my childhood?", "paraphrase")])
    return (f"Jag växte upp i {town}, vi flyttade därifrån när jag var sexton.",
            [("Var växte jag upp?", "fact"), ("Var tillbringade jag min barndom?", "paraphrase")])


def fact_car(rng: random.Random, lang: Lang) -> Fact:
    model = rng.choice(["Saab 900", "Volvo 240", "VW Golf", "Toyota Yaris", "Tesla Model 3"])
    if lang == "en":
        colour = rng.choice(["red", "blue", "white", "green"])
        return (f"I drive an old {colour} {model}, it still runs fine.",
                [("What car do I drive?", "fact"), ("What kind of vehicle do I own?", "paraphrase")])
    colour = rng.choice(["röd", "blå", "vit", "grön"])
    return (f"Jag kör en gammal {colour} {model}, den går fortfarande bra.",
            [("Vilken bil kör jag?", "fact"), ("Vad har jag för fordon?", "paraphrase")])


def fact_wifi(rng: random.Random, lang: Lang) -> Fact:
    word = rng.choice(["blueberry", "lighthouse", "moomin", "tractor", "pinecone"]) + str(rng.randint(10, 99))
    if lang == "en":
        return (f"The wifi password at home is {word}.",
                [("What's the wifi password at home?", "fact"),
                 ("Which key do I type to get the laptop online in the house?", "paraphrase")])
    return (f"Wifi-lösenordet hemma är {word}.",
            [("Vad är wifi-lösenordet hemma?", "fact"),
             ("Vilken nyckel behövs för att koppla upp datorn mot nätet i huset?", "paraphrase")])


def fact_child(rng: random.Random, lang: Lang) -> Fact:
    son, age = rng.random() < 0.5, rng.randint(4, 12)
    name = rng.choice(NAMES[lang]["m" if son else "f"])
    if lang == "en":
        rel = "son" if son else "daughter"
        para = "How many years old is my boy?" if son else "How many years old is my girl?"
        return (f"My {rel} {name} just turned {age}, we had a party with a bouncy castle.",
                [(f"How old is my {rel}?", "fact"), (para, "paraphrase")])
    rel = "son" if son else "dotter"
    para = "Hur många år är min grabb?" if son else "Hur många år är min tjej?"
    return (f"Min {rel} {name} fyllde precis {age}, vi hade kalas med hoppborg.",
            [(f"Hur gammal är min {rel}?", "fact"), (para, "paraphrase")])


def fact_trip(rng: random.Random, lang: Lang) -> Fact:
    if lang == "en":
        place = rng.choice(["Lisbon", "Crete", "Reykjavik", "Kyoto", "Sicily"])
        return (f"We're flying to {place} on {_date(rng, lang)}, I can't wait.",
                [("Where are we flying to?", "fact"), ("What's the destination of our upcoming holiday?",
                                                        "paraphrase")])
    place = rng.choice(["Lissabon", "Kreta", "Reykjavik", "Kyoto", "Sicilien"])
    return (f"Vi flyger till {place} {_date(rng, lang)}, jag längtar.",
            [("Vart flyger vi?", "fact"), ("Vad är målet för vår kommande semester?", "paraphrase")])


def fact_doctor(rng: random.Random, lang: Lang) -> Fact:
    surname = rng.choice(["Berg", "Lindqvist", "Patel", "O'Brien", "Holm", "Nyström"])
    if lang == "en":
        return (f"My GP is Dr {surname}, she's very thorough.",
                [("What's the name of my GP?", "fact"), ("Who is my family physician?", "paraphrase")])
    return (f"Min husläkare heter doktor {surname}, hon är väldigt noggrann.",
            [("Vad heter min husläkare?", "fact"), ("Vilken läkare har jag på vårdcentralen?", "paraphrase")])


def fact_shoes(rng: random.Random, lang: Lang) -> Fact:
    size = rng.randint(37, 46)
    if lang == "en":
        return (f"My shoe size is {size}, annoyingly the shops are always out of it.",
                [("What's my shoe size?", "fact"), ("How big are the boots I need to buy?", "paraphrase")])
    return (f"Jag har storlek {size} i skor, butikerna har aldrig min storlek.",
            [("Vilken skostorlek har jag?", "fact"), ("Hur stora kängor behöver jag köpa?", "paraphrase")])


FACTS: list[FactMaker] = [fact_sibling, fact_pet, fact_allergy, fact_door_code, fact_appointment, fact_dish,
                          fact_drink, fact_partner_birthday, fact_hometown, fact_car, fact_wifi, fact_child,
                          fact_trip, fact_doctor, fact_shoes]

# ---------------------------------------------------------------- updates: old line, new line, questions

Update = tuple[str, str, list[tuple[str, bool]]]  # (question, asks for the history)
UpdateMaker = Callable[[random.Random, Lang], Update]


def update_job(rng: random.Random, lang: Lang) -> Update:
    old, new = rng.sample(COMPANIES, 2)
    if lang == "en":
        role = rng.choice(["an engineer", "a designer", "a project manager", "an analyst"])
        return (f"I work at {old} as {role}, it's a decent commute.",
                f"Big news: I quit {old} and started at {new} this week!",
                [("Where am I employed at the moment?", False), ("Which employers have I had so far?", True)])
    role = rng.choice(["ingenjör", "designer", "projektledare", "analytiker"])
    return (f"Jag jobbar på {old} som {role}, pendlingen är okej.",
            f"Stora nyheter: jag har sagt upp mig från {old} och börjat på {new} den här veckan!",
            [("Var är jag anställd numera?", False), ("Vilka arbetsgivare har jag haft hittills?", True)])


def update_home(rng: random.Random, lang: Lang) -> Update:
    if lang == "en":
        old, new = rng.sample(["Clifton", "Headingley", "Leith", "Camden", "Ancoats", "Jericho"], 2)
        return (f"We live in {old}, close to the park.", f"We finally moved from {old} to {new} last weekend!",
                [("Which neighbourhood is home for us now?", False), ("What areas have we lived in?", True)])
    old, new = rng.sample(["Majorna", "Haga", "Södermalm", "Vasastan", "Möllevången", "Johanneberg"], 2)
    return (f"Vi bor i {old}, nära parken.", f"Vi har äntligen flyttat från {old} till {new}!",
            [("I vilket område har vi vårt hem nu?", False), ("Vilka områden har vi bott i?", True)])


def update_garage(rng: random.Random, lang: Lang) -> Update:
    old, new = rng.sample(range(1000, 9999), 2)
    if lang == "en":
        return (f"The garage code is {old}.", f"They changed the garage code, it's {new} from now on.",
                [("How do I open the garage these days?", False)])
    return (f"Koden till garaget är {old}.", f"De har bytt garagekoden, från och med nu är den {new}.",
            [("Hur tar jag mig in i garaget numera?", False)])


def update_phone(rng: random.Random, lang: Lang) -> Update:
    old, new = rng.sample(PHONES, 2)
    if lang == "en":
        return (f"My phone is a {old}, the battery is getting weak.",
                f"Finally replaced the {old} with a {new}, much better.",
                [("Which mobile am I using currently?", False)])
    return (f"Min telefon är en {old}, batteriet börjar bli dåligt.",
            f"Har äntligen bytt ut min {old} mot en {new}, mycket bättre.",
            [("Vilken mobil använder jag just nu?", False)])


def update_diet(rng: random.Random, lang: Lang) -> Update:
    if lang == "en":
        return ("I'm vegetarian, have been for years.", "I've started eating meat again after all these years.",
                [("What does my diet look like nowadays?", False)])
    return ("Jag är vegetarian, har varit det i flera år.", "Jag har börjat äta kött igen efter alla år.",
            [("Hur ser min kost ut numera?", False)])


def update_gym(rng: random.Random, lang: Lang) -> Update:
    old, new = rng.sample(range(5), 2)
    if lang == "en":
        days = WEEKDAYS["en"]
        return (f"{days[old]} is my gym day, never miss it.", f"I've moved my gym sessions to {days[new]}s.",
                [("On which day do I work out?", False)])
    days = WEEKDAYS["sv"]
    return (f"{days[old].capitalize()} är min gymdag, den missar jag aldrig.",
            f"Jag har flyttat mina gympass till {days[new]}ar.", [("Vilken dag tränar jag?", False)])


UPDATES: list[UpdateMaker] = [update_job, update_home, update_garage, update_phone, update_diet, update_gym]

# ---------------------------------------------------------------- recurring topics, asked about by time

Topic = tuple[str, Callable[[random.Random], str]]  # (how a question refers to it, a new mention)


def _topics(lang: Lang) -> list[Topic]:
    if lang == "en":
        return [
            ("my running", lambda r: f"Ran {r.randint(3, 21)} km {r.choice(['by the river', 'around the lake', 'in the woods', 'on the treadmill'])} this morning, {r.choice(['my knee felt fine', 'my calves are sore', 'new personal best', 'had to walk the last bit'])}."),  # noqa: E501
            ("the garden", lambda r: f"In the garden the {r.choice(['tomatoes', 'roses', 'apple tree', 'strawberries', 'tulips'])} {r.choice(['got eaten by slugs', 'are finally flowering', 'need pruning', 'died in the frost', 'look amazing'])}."),  # noqa: E501
            ("the kitchen renovation", lambda r: f"The {r.choice(['plumber', 'electrician', 'carpenter', 'tiler'])} {r.choice(['finished the worktop', 'found damp behind the sink', 'is two weeks late', 'sent a huge invoice'])} in the kitchen."),  # noqa: E501
            ("my manager", lambda r: f"My manager {r.choice(['praised', 'cancelled', 'postponed', 'criticised'])} the {r.choice(['Atlas', 'Harbour', 'Nova', 'Falcon'])} project in today's meeting."),  # noqa: E501
            ("the book club", lambda r: f"At book club we discussed {r.choice(['Middlemarch', 'The Road', 'Circe', 'Stoner', 'Beloved'])} and {r.choice(['everyone hated it', 'we argued for hours', 'nobody had finished it', 'I loved it'])}."),  # noqa: E501
            ("my guitar lessons", lambda r: f"Guitar lesson today: learned {r.choice(['a barre chord', 'Wonderwall', 'fingerpicking', 'a blues scale'])}, {r.choice(['my fingers hurt', 'the teacher was impressed', 'it sounded awful', 'finally clicked'])}."),  # noqa: E501
            ("my mum", lambda r: f"Mum {r.choice(['had her hip checked', 'started a pottery class', 'lost her keys again', 'booked a cruise'])} and {r.choice(['sounds happy', 'is worried', 'wants me to visit', 'called me twice'])}."),  # noqa: E501
            ("my sleep", lambda r: f"Only slept {r.randint(3, 6)} hours, {r.choice(['the neighbours partied', 'work stress', 'the baby woke up', 'too much coffee'])}."),  # noqa: E501
        ]
    return [
        ("löpningen", lambda r: f"Sprang {r.randint(3, 21)} km {r.choice(['längs ån', 'runt sjön', 'i skogen', 'på löpbandet'])} i morse, {r.choice(['knät kändes bra', 'vaderna är ömma', 'nytt personbästa', 'fick gå sista biten'])}."),  # noqa: E501
        ("trädgården", lambda r: f"I trädgården har {r.choice(['tomaterna', 'rosorna', 'äppelträdet', 'jordgubbarna', 'tulpanerna'])} {r.choice(['blivit uppätna av sniglar', 'äntligen börjat blomma', 'behöver beskäras', 'frusit ihjäl', 'tagit sig fint'])}."),  # noqa: E501
        ("köksrenoveringen", lambda r: f"{r.choice(['Rörmokaren', 'Elektrikern', 'Snickaren', 'Plattsättaren'])} {r.choice(['blev klar med bänkskivan', 'hittade fukt bakom diskbänken', 'är två veckor sen', 'skickade en enorm faktura'])} i köket."),  # noqa: E501
        ("chefen", lambda r: f"Min chef {r.choice(['berömde', 'stoppade', 'sköt upp', 'kritiserade'])} {r.choice(['Atlas', 'Hamnen', 'Nova', 'Falken'])}-projektet på mötet idag."),  # noqa: E501
        ("bokcirkeln", lambda r: f"I bokcirkeln pratade vi om {r.choice(['Utvandrarna', 'Röda rummet', 'Doktor Glas', 'Tjänstekvinnans son'])} och {r.choice(['alla hatade den', 'vi bråkade i timmar', 'ingen hade läst ut den', 'jag älskade den'])}."),  # noqa: E501
        ("gitarrlektionerna", lambda r: f"Gitarrlektion idag: lärde mig {r.choice(['ett barréackord', 'Vem kan segla', 'fingerspel', 'en bluesskala'])}, {r.choice(['fingrarna gör ont', 'läraren var imponerad', 'det lät hemskt', 'det lossnade äntligen'])}."),  # noqa: E501
        ("mamma", lambda r: f"Mamma {r.choice(['har kollat höften', 'har börjat på keramikkurs', 'har tappat nycklarna igen', 'har bokat en kryssning'])} och {r.choice(['låter glad', 'är orolig', 'vill att jag hälsar på', 'ringde två gånger'])}."),  # noqa: E501
        ("sömnen", lambda r: f"Sov bara {r.randint(3, 6)} timmar, {r.choice(['grannarna festade', 'jobbstress', 'bebisen vaknade', 'för mycket kaffe'])}."),  # noqa: E501
    ]


TOPIC_REPLIES = {
    "en": ["Thanks for the update!", "Oh, tell me more about that.", "That sounds like quite a day.",
           "I hope it goes better next time.", "Interesting, how do you feel about it?"],
    "sv": ["Tack för uppdateringen!", "Oj, berätta mer.", "Det låter som en riktig dag.",
           "Hoppas det går bättre nästa gång.", "Intressant, vad känner du om det?"],
}

# ---------------------------------------------------------------- questions about things never said

UNANSWERABLE = {
    "en": ["What's my grandfather's favourite car?", "What's my passport number?", "When is my cousin's wedding?",
           "What's the name of my piano teacher?", "What colour is my boat?", "Which horse did I ride as a kid?",
           "What's my blood type?", "Which football team does my uncle support?", "What's my niece studying?",
           "How much did I pay for the summer cabin?"],
    "sv": ["Vilken är min farfars favoritbil?", "Vad är mitt passnummer?", "När gifter sig min kusin?",
           "Vad heter min pianolärare?", "Vilken färg har min båt?", "Vilken häst red jag på som barn?",
           "Vilken blodgrupp har jag?", "Vilket fotbollslag håller min morbror på?", "Vad pluggar min systerdotter?",
           "Hur mycket betalade jag för sommarstugan?"],
}

# ---------------------------------------------------------------- filler small talk on the same subjects

FILL = {
    "en": {
        "name": NAMES["en"]["f"] + NAMES["en"]["m"], "city": CITIES["en"], "weekday": WEEKDAYS["en"],
        "food": ["tacos", "soup", "a curry", "pancakes", "sushi", "a stew", "pasta", "a salad", "pizza"],
        "weather": ["pouring with rain", "freezing", "weirdly warm", "so windy", "grey and drizzly", "sunny"],
        "hobby": ["knitting", "climbing", "baking bread", "chess", "birdwatching", "painting", "cycling"],
        "show": ["a crime series", "a baking show", "a documentary about octopuses", "an old western",
                 "a Korean drama", "a nature programme"],
        "thing": ["the dishwasher", "the car", "my laptop", "the boiler", "the washing machine", "the printer"],
        "animal": ["dog", "cat", "puppy", "parrot", "rabbit"],
    },
    "sv": {
        "name": NAMES["sv"]["f"] + NAMES["sv"]["m"], "city": CITIES["sv"], "weekday": WEEKDAYS["sv"],
        "food": ["tacos", "soppa", "en gryta", "pannkakor", "sushi", "pasta", "en sallad", "pizza", "fiskgratäng"],
        "weather": ["ösregn", "iskallt", "konstigt varmt", "jätteblåsigt", "grått och duggigt", "soligt"],
        "hobby": ["stickning", "klättring", "surdegsbak", "schack", "fågelskådning", "målning", "cykling"],
        "show": ["en deckarserie", "ett bakprogram", "en dokumentär om bläckfiskar", "en gammal western",
                 "en koreansk dramaserie", "ett naturprogram"],
        "thing": ["diskmaskinen", "bilen", "datorn", "pannan", "tvättmaskinen", "skrivaren"],
        "animal": ["hund", "katt", "valp", "papegoja", "kanin"],
    },
}

FILLER_USER = {
    "en": [
        "It's {weather} again today, I'm staying in.", "What should I cook tonight? I was thinking {food}.",
        "Had {food} for lunch, it was okay but nothing special.", "Any tips for getting better at {hobby}?",
        "I've been watching {show}, it's surprisingly good.", "{thing} broke again, so annoying.",
        "My colleague {name} brought cake to work today.", "Do you think it'll be {weather} at the weekend?",
        "I'm thinking of taking up {hobby}, is it hard to start?", "Work was exhausting, too many meetings.",
        "My friend {name} is visiting {city} next month.", "The neighbour's {animal} kept barking all night.",
        "How long should I boil eggs for soft yolks?", "Can you suggest a good podcast for the commute?",
        "I need a present for a friend who likes {hobby}.", "We had {food} at {name}'s place, delicious.",
        "My friend's sister is a nurse, she works crazy shifts.", "How do people remember all their passwords?",
        "I should really book a check-up at some point.", "Is it normal that {thing} makes a clicking noise?",
        "I'm so tired, {weekday}s are the worst.", "Thinking about repainting the hallway, maybe green?",
        "My team at work is hiring, it's chaos.", "Do you know any good stretches after running?",
        "Everyone at work is talking about moving house lately.", "I spent the whole evening on {hobby}.",
        "Should I get a new phone or wait a year?", "The supermarket was out of {food} ingredients, typical.",
        "{name} said {city} is lovely this time of year.", "What's a good recipe for {food}?",
        "Remind me why I agreed to help {name} move flats.", "My cousin got a {animal}, it's adorable.",
        "I want to read more books this year.", "The bus was late again, I missed the start of the meeting.",
        "Do you have ideas for a rainy {weekday} with kids?", "I tried meditating for ten minutes, it helped.",
    ],
    "sv": [
        "Det är {weather} igen idag, jag stannar inne.", "Vad ska jag laga ikväll? Jag tänkte {food}.",
        "Åt {food} till lunch, det var okej men inget speciellt.", "Har du tips för att bli bättre på {hobby}?",
        "Jag har tittat på {show}, den är förvånansvärt bra.", "{thing} har gått sönder igen, så irriterande.",
        "Min kollega {name} tog med tårta till jobbet idag.", "Tror du det blir {weather} i helgen?",
        "Jag funderar på att börja med {hobby}, är det svårt?", "Jobbet var slitsamt, alldeles för många möten.",
        "Min kompis {name} ska åka till {city} nästa månad.", "Grannens {animal} skällde hela natten.",
        "Hur länge ska man koka ägg för löskokta?", "Kan du tipsa om en bra podd till pendlingen?",
        "Jag behöver en present till en vän som gillar {hobby}.", "Vi åt {food} hos {name}, jättegott.",
        "Min kompis syster är sjuksköterska, hon jobbar galna pass.", "Hur kommer folk ihåg alla sina lösenord?",
        "Jag borde verkligen boka en hälsokontroll någon gång.", "Är det normalt att {thing} låter konstigt?",
        "Jag är så trött, {weekday}ar är värst.", "Funderar på att måla om hallen, kanske grönt?",
        "Mitt team på jobbet rekryterar, det är kaos.", "Vet du några bra stretchövningar efter löpning?",
        "Alla på jobbet pratar om att flytta just nu.", "Jag ägnade hela kvällen åt {hobby}.",
        "Ska jag köpa en ny telefon eller vänta ett år?", "Affären hade slut på det jag behövde till {food}.",
        "{name} sa att {city} är fint den här tiden på året.", "Har du ett bra recept på {food}?",
        "Påminn mig varför jag lovade hjälpa {name} att flytta.", "Min kusin har skaffat en {animal}, så gullig.",
        "Jag vill läsa fler böcker i år.", "Bussen var sen igen, jag missade början av mötet.",
        "Har du idéer för en regnig {weekday} med barnen?", "Jag testade att meditera i tio minuter, det hjälpte.",
    ],
}

FILLER_ASSISTANT = {
    "en": ["That sounds nice!", "Oh no, that's frustrating.", "Good idea, go for it.", "I'd keep it simple.",
           "Hard to say, but it's worth a try.", "Maybe start small and see how it goes.", "Ha, classic.",
           "Sounds like you deserve a quiet evening.", "A short walk might help too.", "Let me know how it goes!",
           "Plenty of people feel the same way.", "You could ask a friend for a recommendation."],
    "sv": ["Det låter trevligt!", "Åh nej, vad frustrerande.", "Bra idé, kör på det.", "Jag skulle hålla det enkelt.",
           "Svårt att säga, men det är värt ett försök.", "Börja smått och se hur det går.", "Haha, klassiker.",
           "Du förtjänar nog en lugn kväll.", "En kort promenad kan också hjälpa.", "Berätta hur det går!",
           "Många känner likadant.", "Du kan fråga en vän om tips."],
}
FOLLOW_UPS = {
    "en": ["", "", " What are you up to later?", " How was the rest of your day?", " Anything else on your mind?"],
    "sv": ["", "", " Vad gör du sen?", " Hur var resten av dagen?", " Något mer du funderar på?"],
}


def filler(rng: random.Random, lang: Lang) -> tuple[str, str]:
    slots = {k: rng.choice(v) for k, v in FILL[lang].items()}
    user = rng.choice(FILLER_USER[lang]).format(**slots)
    return user[0].upper() + user[1:], rng.choice(FILLER_ASSISTANT[lang]) + rng.choice(FOLLOW_UPS[lang])


# ---------------------------------------------------------------- relative time phrases

def _relative(rng: random.Random, lang: Lang, said: datetime, last_day: datetime) -> tuple[str, datetime]:
    """A phrase naming when `said` happened, and a `now` at which the phrase is true."""
    day = said.replace(hour=0, minute=0, second=0, microsecond=0)
    kind = rng.choice(["yesterday", "today", "last_week", "days_ago", "weeks_ago", "weekday", "last_month", "month"])
    en = lang == "en"
    if kind == "yesterday":
        return ("yesterday" if en else rng.choice(["igår", "i går"])), day + timedelta(days=1, hours=rng.randint(8, 20))
    if kind == "today":
        end_of_day = day + timedelta(days=1, minutes=-1)
        return ("earlier today" if en else "tidigare idag"), min(said + timedelta(hours=2), end_of_day)
    if kind == "last_week":
        week_start = day - timedelta(days=day.weekday())
        return ("last week" if en else "förra veckan"), week_start + timedelta(days=7 + rng.randint(0, 6), hours=12)
    if kind == "days_ago":
        n = rng.randint(2, 5)
        word = NUMBER_WORDS[lang][n]
        return (f"{word} days ago" if en else f"för {word} dagar sedan"), day + timedelta(days=n, hours=15)
    if kind == "weeks_ago":
        return ("two weeks ago" if en else "för två veckor sedan"), day + timedelta(days=14, hours=15)
    if kind == "weekday":
        name = WEEKDAYS[lang][day.weekday()]
        phrase = f"last {name}" if en else f"i {name}s"
        return phrase, day + timedelta(days=rng.randint(1, 7), hours=10)
    if kind == "last_month":
        next_month = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
        return ("last month" if en else "förra månaden"), next_month + timedelta(days=rng.randint(0, 25), hours=9)
    month = MONTHS[lang][day.month - 1]
    return (f"in {month}" if en else f"i {month}"), max(last_day, said + timedelta(days=rng.randint(10, 60)))


RELATIVE_TEMPLATES = {
    "en": ["What did I tell you {when} about {ref}?", "What did I mention {when} regarding {ref}?",
           "Remind me what I said about {ref} {when}."],
    "sv": ["Vad sa jag {when} om {ref}?", "Vad berättade jag {when} om {ref}?",
           "Påminn mig vad jag sa om {ref} {when}."],
}

# ---------------------------------------------------------------- one brain


def _brain(rng: random.Random, index: int, lang: Lang) -> tuple[list[Turn], list[Question]]:
    brain = f"bench-{lang}-{index:02d}"
    sessions = _sessions(rng, rng.randint(150, 300))
    planted: list[Plant] = []

    def plant(session: Session, user: str, assistant: str) -> str:
        session.plants.append(Plant(f"p{len(planted)}", user, assistant))
        planted.append(session.plants[-1])
        return planted[-1].key

    asks = _plant_facts(rng, lang, sessions, plant) + _plant_updates(rng, lang, sessions, plant)
    topics = _plant_topics(rng, lang, sessions, plant)
    turns, times = _lay_out(rng, brain, lang, sessions)
    ids = {key: turn_id for key, (turn_id, _) in times.items()}
    last = max(t.created_at for t in turns)
    end = last + DAY
    questions = [Question(brain, a.text, [ids[k] for k in a.keys], end, lang, a.qtype, [ids[k] for k in a.superseded])
                 for a in asks]
    for ref, key in topics:
        when, now = _relative(rng, lang, datetime.fromtimestamp(times[key][1], UTC), datetime.fromtimestamp(last, UTC))
        text = rng.choice(RELATIVE_TEMPLATES[lang]).format(when=when, ref=ref)
        questions.append(Question(brain, text[0].upper() + text[1:], [ids[key]], now.timestamp(), lang, "relative"))
    for text in rng.sample(UNANSWERABLE[lang], rng.choice([3, 4])):
        questions.append(Question(brain, text, [], end, lang, "unanswerable"))
    return turns, questions


Planter = Callable[[Session, str, str], str]  # plants a turn in a session, returns its key


def _plant_facts(rng: random.Random, lang: Lang, sessions: list[Session], plant: Planter) -> list[Ask]:
    asks: list[Ask] = []
    for make in rng.sample(FACTS, rng.randint(9, 12)):
        user, questions = make(rng, lang)
        key = plant(rng.choice(sessions), user, rng.choice(ACKS[lang]))
        asks += [Ask(text, [key], qtype) for text, qtype in questions]
    return asks


def _plant_updates(rng: random.Random, lang: Lang, sessions: list[Session], plant: Planter) -> list[Ask]:
    asks: list[Ask] = []
    for make in rng.sample(UPDATES, 4):
        old_line, new_line, questions = make(rng, lang)
        early = rng.choice([s for s in sessions if s.day < SPAN_DAYS // 2])
        late = rng.choice([s for s in sessions if s.day >= early.day + 30])
        old_key = plant(early, old_line, rng.choice(ACKS[lang]))
        new_key = plant(late, new_line, rng.choice(ACKS[lang]))
        asks += [Ask(text, [old_key, new_key], "update") if history else Ask(text, [new_key], "update", [old_key])
                 for text, history in questions]
    return asks


def _plant_topics(rng: random.Random, lang: Lang, sessions: list[Session], plant: Planter) -> list[tuple[str, str]]:
    """Recurring topics, mentioned every month or so; returns (how to refer to it, key of the last mention)."""
    topics: list[tuple[str, str]] = []
    lines: set[str] = set()
    for ref, mention in rng.sample(_topics(lang), 5):
        key = ""
        # A month or more between mentions: any window a question names holds at most one of them.
        day = rng.randint(0, 30)
        while later := [s for s in sessions if s.day >= day]:
            while (line := mention(rng)) in lines:  # a repeat would be deduplicated away at ingestion
                pass
            lines.add(line)
            key = plant(later[0], line, rng.choice(TOPIC_REPLIES[lang]))
            day = later[0].day + rng.randint(32, 40)
        topics.append((ref, key))
    return topics


def _sessions(rng: random.Random, total: int) -> list[Session]:
    sizes: list[int] = []
    while sum(sizes) < total:
        sizes.append(rng.randint(2, 8))
    days = sorted(rng.sample(range(SPAN_DAYS), min(len(sizes), SPAN_DAYS)))
    return [Session(day, size) for day, size in zip(days, sizes, strict=False)]


def _lay_out(rng: random.Random, brain: str, lang: Lang,
             sessions: list[Session]) -> tuple[list[Turn], dict[str, tuple[str, float]]]:
    """Fill sessions with small talk around the planted turns; give every turn an id and a time."""
    turns: list[Turn] = []
    planted: dict[str, tuple[str, float]] = {}
    seen: set[str] = set()
    for session in sessions:
        lines: list[tuple[str | None, str, str]] = [(p.key, p.user, p.assistant) for p in session.plants]
        while len(lines) < session.size:
            user, assistant = filler(rng, lang)
            # Ingestion drops repeated content; keep every turn distinct so none silently disappears.
            if f"{user}\n{assistant}" not in seen:
                seen.add(f"{user}\n{assistant}")
                lines.append((None, user, assistant))
        rng.shuffle(lines)
        at = (START + timedelta(days=session.day, hours=rng.randint(7, 20), minutes=rng.randint(0, 59))).timestamp()
        for key, user, assistant in lines:
            at += rng.randint(40, 360)
            turn_id = f"{brain}:turn-{len(turns):04d}"
            turns.append(Turn(turn_id, brain, f"User: {user}\nAssistant: {assistant}", at))
            if key is not None:
                planted[key] = (turn_id, at)
    return turns, planted


def generate(brains: int = 12, seed: int = 7) -> tuple[list[Turn], list[Question]]:
    rng = random.Random(seed)
    turns: list[Turn] = []
    questions: list[Question] = []
    for index in range(brains):
        brain_turns, brain_questions = _brain(rng, index, "en" if index % 2 == 0 else "sv")
        turns += brain_turns
        questions += brain_questions
    return turns, questions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--brains", type=int, default=12)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    turns, questions = generate(args.brains, args.seed)
    by_type: dict[str, int] = {}
    for q in questions:
        by_type[q.qtype] = by_type.get(q.qtype, 0) + 1
    print(f"{len(turns)} turns, {len(questions)} questions: {by_type}")
    for q in random.Random(args.seed).sample(questions, 8):
        evidence = [t.content for t in turns if t.id in q.evidence_ids]
        print(f"- [{q.lang} {q.qtype}] {q.question}\n    -> {evidence}")


if __name__ == "__main__":
    main()
