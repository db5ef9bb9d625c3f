"""Retrieval on LoCoMo-style dialogues: recall@10 of plain vector search vs Lumia's hybrid retrieval.

LoCoMo, the public long-conversation memory benchmark, holds multi-session chats between
two named people, each question answered by specific earlier turns, its "evidence". There
plain vector search finds about half of the evidence in its top 10; on bench/recall.py's
data it finds three quarters, because every fact there is one self-contained user line.
This benchmark generates harder, LoCoMo-like data, deterministically (one
`random.Random(seed)`), offline and without a model:
- two speakers per conversation (half English, half Swedish), 15-20 sessions days to weeks
  apart from 2023-01-01, 16-30 alternating turns each; every turn is one memory;
- life events from a bank of 52 kinds in 14 areas, often told in reply to the partner's
  question ("How did the race go??" / "I finished in 1:58, so proud!"), with named pets,
  people, places and books, plans announced sessions before and follow-ups sessions after;
- small talk on the same areas (distractors that share the questions' words), greetings,
  feelings and encouragement, each turn picking up the one before;
- third-person questions: single (one turn, or the question and its answer), multi (a
  speaker's 2-3 events in one area, or an event and its follow-up), temporal (when it
  happened: the turn that tells it, relative to its session's date) and open (an inference
  from the telling and the plan).
Every turn goes through the production `Ingestor` into a throwaway Chroma, then every
question is asked twice, as bench/recall.py does:
- vector: the question's embedding straight to `MemoryStore.search` on a copy of the brain
  stored with plain embeddings (no context), top 10;
- hybrid: `Retriever.query`, its clock a day after the conversation's last session.
Recall@10 is the share of a question's evidence in the top 10, averaged over questions;
MRR is the reciprocal rank of the first evidence turn found (0 if none).

    python bench/recall_dialogues.py                     # 8 conversations, ~1.5 minutes on 2 cores
    python bench/recall_dialogues.py --quick             # 2 conversations
    python bench/recall_dialogues.py --conversations 4 --seed 1
    python bench/recall_dialogues.py --speaker metadata   # turns without "Name: " in front
"""

import argparse
import asyncio
import random
import re
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal, TypeVar

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from recall import PLAIN, ratio, write_in_batches  # noqa: E402

from brain_worker.keywords import KeywordCache  # noqa: E402
from brain_worker.retrieval import Retriever  # noqa: E402
from ingest_worker.ingest import Ingestor  # noqa: E402
from shared.memory.embedder import LocalEmbedder  # noqa: E402
from shared.memory.messages import MemoryItem, QueryRequest  # noqa: E402
from shared.memory.store import MemoryStore, open_chroma  # noqa: E402

T = TypeVar("T")
Lang = Literal["en", "sv"]
Category = Literal["single", "multi", "temporal", "open"]
CATEGORIES: tuple[Category, ...] = ("single", "multi", "temporal", "open")
SHARE: dict[Category, float] = {"multi": 0.2, "temporal": 0.2, "open": 0.1}  # single: the rest

K = 10
METHODS = ("vector", "hybrid")
START = datetime(2023, 1, 1, tzinfo=UTC)
DAY = 86_400
GROUPS_PER_SPEAKER = 5


@dataclass(frozen=True, slots=True)
class Turn:
    id: str
    brain: str
    content: str
    created_at: float
    metadata: dict[str, str | int]


@dataclass(frozen=True, slots=True)
class Question:
    brain: str
    question: str
    evidence_ids: list[str]
    category: Category
    lang: Lang


# ---------------------------------------------------------------- event bank


@dataclass(frozen=True, slots=True)
class Text:
    """One language of an event kind. The owner says plan (sessions before; the partner's ask
    presumes it), reply (to the ask) or news (unprompted), and follow (sessions after). Questions:
    single and when are answered by the telling, open by it and the plan, follow_q by the follow-up,
    arc by both. Slots: {o} owner, {os} owner's, {x}/{y} drawn values ({xs}/{ys} possessive), {ago}."""

    ask: str
    reply: str
    news: str
    single: str
    when: str
    plan: str = ""
    open: str = ""
    follow: str = ""
    follow_q: str = ""
    arc: str = ""


@dataclass(frozen=True, slots=True)
class Kind:
    name: str
    group: str
    slots: tuple[str, ...]  # pools that fill {x} and {y}
    en: Text
    sv: Text
    pair: bool = False  # a prompted reply is too vague alone: the ask is evidence too
    sad: bool = False  # the partner sympathises rather than cheers


KINDS: list[Kind] = [
    # ------------------------------------------------ pets
    Kind("dog", "pet", ("he",), Text(
        plan="We've been looking at shelter websites every night, I think we're ready for a four-legged family member.",
        ask="So did you end up bringing someone home from the shelter?",
        reply="We did, {ago}! A scruffy little guy with huge ears, we named him {x}.",
        news="Say hi to {x}, our new dog! We adopted him from the rescue {ago}, he hasn't stopped wagging since.",
        single="What is the name of {os} dog?", when="When did {o} adopt {x}?",
        open="Is {o} likely to need a pet sitter when travelling?",
        arc="How is {o} getting on with the new dog?",
        follow="{x} chewed up my running shoes again, I can't even be mad at that face.",
        follow_q="What did {os} dog destroy?"), Text(
        plan="Vi har suttit och tittat på omplaceringssidor varje kväll, jag tror vi är redo för en fyrbent "
             "familjemedlem.",
        ask="Blev det någon som fick följa med hem från hemmet till slut?",
        reply="Ja, {ago}! En raggig liten kille med jättestora öron, vi döpte honom till {x}.",
        news="Säg hej till {x}, vår nya hund! Vi adopterade honom {ago} och han har inte slutat vifta på svansen "
             "sedan dess.",
        single="Vad heter {os} hund?", when="När adopterade {o} {x}?",
        open="Kommer {o} troligen att behöva djurvakt när det blir resor?",
        arc="Hur går det för {o} med den nya hunden?",
        follow="{x} har tuggat sönder mina löparskor igen, men jag kan inte vara arg på den blicken.",
        follow_q="Vad har {os} hund förstört?")),
    Kind("cat", "pet", ("she",), Text(
        plan="My neighbour's cat just had kittens and she keeps asking if I want one.",
        ask="Did you give in and take one of the kittens?",
        reply="Of course I did, {ago}. She's tiny and grey and I called her {x}.",
        news="{ago} I got a new roommate: a grey kitten called {x}, she sleeps on my keyboard.",
        single="What is the name of {os} cat?", when="When did {o} get {x}?",
        arc="What has {os} kitten been up to since arriving?",
        follow="{x} knocked a whole glass of water onto my laptop this morning, little gremlin.",
        follow_q="What did {os} cat knock over?"), Text(
        plan="Grannens katt har fått ungar och hon frågar hela tiden om jag vill ha en.",
        ask="Föll du till föga och tog en av kattungarna?",
        reply="Klart jag gjorde, {ago}. Hon är pytteliten och grå och jag döpte henne till {x}.",
        news="{ago} fick jag en ny rumskompis: en grå kattunge som heter {x}, hon sover på mitt tangentbord.",
        single="Vad heter {os} katt?", when="När fick {o} {x}?",
        arc="Vad har {os} kattunge hittat på sedan den kom?",
        follow="{x} välte ett helt glas vatten över min dator i morse, lilla monster.",
        follow_q="Vad välte {os} katt?")),
    Kind("rabbit", "pet", ("she",), Text(
        ask="Anything exciting happening at home?",
        reply="Actually yes, {ago} we got a little lop-eared bunny, {x}. The kids are obsessed.",
        news="Guess who has a bunny now! {x} moved in with us {ago}, a fluffy lop with floppy ears.",
        single="What kind of pet is {x}?", when="When did {o} get the rabbit?",
        arc="What do we know about {os} rabbit {x}?",
        follow="{x} has learned to open the hutch door, she's an escape artist now.",
        follow_q="What trick has {os} rabbit learned?"), Text(
        ask="Händer det något kul hemma?",
        reply="Faktiskt, {ago} skaffade vi en liten kanin med hängöron, {x}. Barnen är helt besatta.",
        news="Gissa vem som har kanin nu! {x} flyttade in hos oss {ago}, en fluffig vädurskanin.",
        single="Vad för slags djur är {x}?", when="När skaffade {o} kaninen?",
        arc="Vad vet vi om {os} kanin {x}?",
        follow="{x} har lärt sig öppna buren, hon är en riktig utbrytarkung nu.",
        follow_q="Vad har {os} kanin lärt sig?")),
    # ------------------------------------------------ travel
    Kind("city_break", "trip", ("city",), Text(
        plan="I really need a break, I'm looking at cheap flights somewhere sunny.",
        ask="Did you book that getaway in the end?",
        reply="Yes, just got back {ago}! Four days of wandering around {x}, eating way too many pastries.",
        news="Just got back from {x} {ago}, four days of getting lost in tiny streets and eating far too much.",
        single="Which city did {o} go to for a short holiday?", when="When did {o} visit {x}?",
        open="Would {o} enjoy a food tour abroad?",
        arc="What does {o} remember from the trip to {x}?",
        follow="Still dreaming about the little bakery in {x}, I tried to copy their custard tarts and failed.",
        follow_q="What did {o} try to bake after the trip?"), Text(
        plan="Jag behöver verkligen en paus, jag kollar billiga flyg till någonstans med sol.",
        ask="Blev det någon resa bokad till slut?",
        reply="Ja, kom hem {ago}! Fyra dagar av att strosa runt i {x} och äta alldeles för mycket bakverk.",
        news="Kom hem från {x} {ago}, fyra dagar av små gränder och alldeles för mycket god mat.",
        single="Vilken stad åkte {o} till på en kort semester?", when="När besökte {o} {x}?",
        open="Skulle {o} uppskatta en matvandring utomlands?",
        arc="Vad minns {o} från resan till {x}?",
        follow="Drömmer fortfarande om det lilla bageriet i {x}, jag försökte göra deras bakelser hemma men det "
               "gick inte.",
        follow_q="Vad försökte {o} baka efter resan?")),
    Kind("wedding", "trip", ("wedding_city", "friend"), Text(
        plan="{y} is getting married this spring and I'm supposed to give a speech, help.",
        ask="How was the wedding? Did the speech go okay?",
        reply="It was magical. They did it in a vineyard outside {x}, and I only cried twice during my speech.",
        news="I'm back from {ys} wedding in {x}! Outdoor ceremony, string lights, I danced until three.",
        single="Where did {os} friend {y} get married?", when="When did {o} attend {ys} wedding?",
        arc="What happened around {ys} wedding?",
        follow="{y} sent me the wedding photos, there's one of me mid-sob that I'm never living down.",
        follow_q="What did {o} receive from {y} after the wedding?"), Text(
        plan="{y} ska gifta sig i vår och jag ska hålla tal, hjälp.",
        ask="Hur var bröllopet? Gick talet bra?",
        reply="Det var magiskt. De gifte sig på en vingård utanför {x}, och jag grät bara två gånger under talet.",
        news="Är hemma från {ys} bröllop i {x}! Vigsel utomhus, ljusslingor, jag dansade till tre på natten.",
        single="Var gifte sig {os} vän {y}?", when="När var {o} på {ys} bröllop?",
        arc="Vad hände kring {ys} bröllop?",
        follow="{y} skickade bröllopsbilderna, det finns en där jag storgråter som jag aldrig kommer att leva ner.",
        follow_q="Vad fick {o} av {y} efter bröllopet?"),
        pair=True),
    Kind("hiking", "trip", ("region",), Text(
        plan="I've been itching to get out of the city and sleep somewhere without wifi.",
        ask="Did you manage to get away from the city like you wanted?",
        reply="I did! Three days of trekking in {x}, sore legs, zero signal, pure bliss.",
        news="Back from a three-day hike in {x}! Slept in a tent, washed in a freezing stream, loved every minute.",
        single="Where did {o} go on a multi-day hike?", when="When did {o} go hiking in {x}?",
        open="Would {o} likely enjoy a camping weekend?",
        arc="What did {o} tell about the hike in {x}?",
        follow="My boots from {x} are still caked in mud, I should really clean them."), Text(
        plan="Jag längtar så efter att komma ut ur stan och sova någonstans utan wifi.",
        ask="Kom du iväg från stan som du ville?",
        reply="Ja! Tre dagar på fjället i {x}, ömma ben, ingen täckning, ren lycka.",
        news="Hemma från tre dagars vandring i {x}! Sov i tält, tvättade mig i en iskall bäck och älskade varenda "
             "minut.",
        single="Var gjorde {o} en vandring på flera dagar?", when="När vandrade {o} i {x}?",
        open="Skulle {o} troligen gilla en tältweekend?",
        arc="Vad berättade {o} om vandringen i {x}?",
        follow="Kängorna från {x} är fortfarande täckta av lera, jag borde verkligen göra rent dem.")),
    Kind("conference", "trip", ("city",), Text(
        plan="My boss wants me to represent the team at a conference abroad, I'm nervous.",
        ask="How was the work trip?",
        reply="Exhausting but good. The conference in {x} was packed and I actually met people from my field.",
        news="Flew to {x} {ago} for a conference, three days of panels and bad coffee, but so many ideas.",
        single="Which city did {o} travel to for work?", when="When did {o} go to the conference in {x}?",
        arc="What did {o} say about the conference in {x}?",
        follow="One of the people I met in {x} emailed me about a possible collaboration!",
        follow_q="What came out of {os} conference trip?"), Text(
        plan="Min chef vill att jag ska representera teamet på en konferens utomlands, jag är nervös.",
        ask="Hur var jobbresan?",
        reply="Slitsam men bra. Konferensen i {x} var fullsatt och jag träffade faktiskt folk från min bransch.",
        news="Flög till {x} {ago} på en konferens, tre dagar med paneler och dåligt kaffe, men så mycket idéer.",
        single="Vilken stad reste {o} till i jobbet?", when="När var {o} på konferensen i {x}?",
        arc="Vad sa {o} om konferensen i {x}?",
        follow="En av dem jag träffade i {x} mejlade om ett möjligt samarbete!",
        follow_q="Vad blev resultatet av {os} konferensresa?")),
    Kind("road_trip", "trip", ("road",), Text(
        ask="What did you do with your week off?",
        reply="We rented a car and drove along {x}, stopping in every little harbour we passed.",
        news="We did a road trip along {x} {ago}, stopping at every little fishing village.",
        single="Where did {o} go on a road trip?", when="When did {o} drive along {x}?",
        arc="What did {o} share about the drive along {x}?",
        follow="I framed a photo from our drive along {x}, the sunset one."), Text(
        ask="Vad gjorde du med din lediga vecka?",
        reply="Vi hyrde en bil och körde längs {x}, stannade i varenda liten hamn.",
        news="Vi bilade längs {x} {ago} och stannade i varje litet fiskeläge.",
        single="Var åkte {o} på bilsemester?", when="När körde {o} längs {x}?",
        arc="Vad berättade {o} om bilturen längs {x}?",
        follow="Jag ramade in en bild från bilturen längs {x}, den med solnedgången.")),
    # ------------------------------------------------ creative hobbies
    Kind("pottery", "hobby", ("pottery",), Text(
        plan="I signed up for an evening class at the community studio, the one with the wheels.",
        ask="How's the class going? Made anything yet?",
        reply="Slowly! {ago} I finally managed a {x} that didn't collapse, it's lopsided but it's mine.",
        news="I made my first {x} at pottery class {ago}! Clay everywhere, totally hooked.",
        single="What did {o} make in the pottery class?", when="When did {o} make the first piece of pottery?",
        open="Would {o} appreciate a gift card to a ceramics studio?",
        arc="How has {os} pottery been going?",
        follow="The glaze on my {x} came out this weird green, I kind of love it.",
        follow_q="What colour did the glaze on {os} piece come out?"), Text(
        plan="Jag har anmält mig till en kvällskurs i ateljén i kvarteret, den med drejskivorna.",
        ask="Hur går kursen? Har du gjort något än?",
        reply="Sakta! {ago} lyckades jag äntligen med en {x} som inte rasade ihop, den är sned men den är min.",
        news="Jag gjorde min första {x} på keramikkursen {ago}! Lera överallt, jag är helt fast.",
        single="Vad gjorde {o} på keramikkursen?", when="När gjorde {o} sin första keramikpjäs?",
        open="Skulle {o} uppskatta ett presentkort till en keramikverkstad?",
        arc="Hur har det gått med {os} keramik?",
        follow="Glasyren på min {x} blev en konstig grön färg, jag älskar det lite.",
        follow_q="Vilken färg fick glasyren på {os} keramik?")),
    Kind("painting", "hobby", ("scene",), Text(
        ask="What have you been doing with your evenings lately?",
        reply="Painting, believe it or not! {ago} I finished a little watercolour of {x}.",
        news="I picked up a brush again after ten years, {ago} I painted {x} and it's hanging in the hall now.",
        single="What did {o} paint?", when="When did {o} finish the painting of {x}?",
        open="Would {o} enjoy a visit to an art museum?",
        arc="What has happened with {os} painting of {x}?",
        follow="Someone at work saw the picture of {x} and asked if I'd sell it!",
        follow_q="Who wanted to buy {os} artwork?"), Text(
        ask="Vad har du gjort på kvällarna på sistone?",
        reply="Målat, tro det eller ej! {ago} blev jag klar med en liten akvarell av {x}.",
        news="Jag tog upp penseln igen efter tio år, {ago} målade jag {x} och nu hänger den i hallen.",
        single="Vad målade {o}?", when="När blev {o} klar med tavlan av {x}?",
        open="Skulle {o} gilla ett besök på ett konstmuseum?",
        arc="Vad har hänt med {os} tavla av {x}?",
        follow="En kollega såg bilden av {x} och frågade om jag ville sälja den!",
        follow_q="Vem ville köpa {os} konst?")),
    Kind("knitting", "hobby", ("knit", "friend"), Text(
        plan="I've bought way too much yarn, I'm attempting my first real project.",
        ask="Did you finish that thing you were making with all the yarn?",
        reply="Finally, {ago}! It's {x} for {y}, a bit wonky in places but {y} loved it.",
        news="I finished knitting {x} for {y} {ago}, it took me two months of evenings.",
        single="What did {o} knit for {y}?", when="When did {o} finish knitting the gift for {y}?",
        arc="What did {o} make for {y}, and how was it received?",
        follow="{y} wore the thing I made to dinner, I was beaming."), Text(
        plan="Jag har köpt alldeles för mycket garn, nu ska jag försöka mig på mitt första riktiga projekt.",
        ask="Blev du klar med det där du höll på med, med allt garn?",
        reply="Äntligen, {ago}! Det blev {x} till {y}, lite ojämnt här och där men {y} blev jätteglad.",
        news="Jag stickade färdigt {x} till {y} {ago}, det tog två månaders kvällar.",
        single="Vad stickade {o} till {y}?", when="När blev {o} klar med stickningen till {y}?",
        arc="Vad gjorde {o} till {y}, och hur togs det emot?",
        follow="{y} hade på sig det jag gjort på middagen, jag strålade.")),
    Kind("photography", "hobby", ("photo",), Text(
        ask="What's that thing hanging around your neck in your new profile picture?",
        reply="Ha, my new old camera! Got it {ago} at a flea market, I mostly shoot {x}.",
        news="I bought a second-hand film camera {ago} and I've been shooting {x} ever since.",
        single="What does {o} like to photograph?", when="When did {o} buy the film camera?",
        open="Would {o} enjoy a darkroom workshop?",
        arc="How is {o} getting on with the film camera?",
        follow="My first roll came back from the lab, half of it is blurry but the rest is gorgeous.",
        follow_q="How did {os} first roll of film turn out?"), Text(
        ask="Vad är det där du har runt halsen på din nya profilbild?",
        reply="Haha, min nya gamla kamera! Köpte den {ago} på en loppis, jag fotar mest {x}.",
        news="Jag köpte en begagnad analog kamera {ago} och sedan dess har jag fotat {x}.",
        single="Vad gillar {o} att fotografera?", when="När köpte {o} den analoga kameran?",
        open="Skulle {o} gilla en kurs i mörkrumsframkallning?",
        arc="Hur går det för {o} med den analoga kameran?",
        follow="Första rullen kom tillbaka från labbet, hälften är suddig men resten är fantastisk.",
        follow_q="Hur blev {os} första filmrulle?")),
    Kind("writing", "hobby", ("genre",), Text(
        plan="I've been writing every morning before work, don't tell anyone.",
        ask="How's the secret morning project?",
        reply="The draft is done! {ago} I typed the last line of my {x} and just sat there grinning.",
        news="I wrote the last chapter of my {x} {ago}, eighty thousand words, I can't believe it.",
        single="What kind of book is {o} writing?", when="When did {o} finish the first draft?",
        arc="How far has {o} got with the book?",
        follow="Sent my manuscript to three publishers, now the waiting game.",
        follow_q="What did {o} do with the manuscript?"), Text(
        plan="Jag har skrivit varje morgon innan jobbet, säg inget till någon.",
        ask="Hur går det hemliga morgonprojektet?",
        reply="Utkastet är klart! {ago} skrev jag sista raden i min {x} och bara satt och log.",
        news="Jag skrev sista kapitlet i min {x} {ago}, åttiotusen ord, jag kan inte fatta det.",
        single="Vilken sorts bok skriver {o}?", when="När blev {os} första utkast klart?",
        arc="Hur långt har {o} kommit med boken?",
        follow="Skickade manuset till tre förlag, nu är det bara att vänta.",
        follow_q="Vad gjorde {o} med manuset?")),
    # ------------------------------------------------ music
    Kind("instrument", "music", ("instrument",), Text(
        plan="I've always regretted quitting music lessons as a kid.",
        ask="Did you ever do anything about the music lessons thing?",
        reply="I did! Bought a {x} {ago} and found a teacher, my neighbours are very patient.",
        news="Started {x} lessons {ago}, my fingers hurt but I can almost play a whole song.",
        single="What instrument is {o} learning?", when="When did {o} start learning to play?",
        arc="How is {o} progressing with the {x}?",
        follow="My teacher says I'm ready for my first little recital, terrifying.",
        follow_q="What is {o} preparing for with the music teacher?"), Text(
        plan="Jag har alltid ångrat att jag slutade med musiklektionerna som barn.",
        ask="Blev det något med det där med musiklektioner?",
        reply="Ja! Köpte en {x} {ago} och hittade en lärare, grannarna är väldigt tålmodiga.",
        news="Började ta lektioner i {x} {ago}, fingrarna gör ont men jag kan nästan spela en hel låt.",
        single="Vilket instrument lär sig {o} spela?", when="När började {o} lära sig spela?",
        arc="Hur går det för {o} med instrumentet?",
        follow="Min lärare säger att jag är redo för min första lilla konsert, skräckinjagande.",
        follow_q="Vad förbereder sig {o} för med musikläraren?")),
    Kind("concert", "music", ("band",), Text(
        ask="Anything fun happening lately?",
        reply="Saw {x} live {ago}! Front row, I lost my voice singing along.",
        news="I finally saw {x} in concert {ago}, I'm still buzzing, they played all the old songs.",
        single="Who did {o} see perform live?", when="When did {o} see {x} perform?",
        open="Would {o} want tickets to a music festival?",
        arc="What has {o} said about seeing {x}?",
        follow="I've had {x} on repeat since the gig, my flatmate is sick of it."), Text(
        ask="Har det hänt något kul på sistone?",
        reply="Såg {x} live {ago}! Längst fram, jag sjöng mig hes.",
        news="Jag såg äntligen {x} live {ago}, jag är fortfarande helt uppe i varv, de körde alla gamla låtar.",
        single="Vem såg {o} uppträda live?", when="När såg {o} {x} live?",
        open="Skulle {o} vilja ha biljetter till en musikfestival?",
        arc="Vad har {o} sagt om att se {x}?",
        follow="Jag har haft {x} på repeat sedan spelningen, min sambo är så trött på det.")),
    Kind("choir", "music", (), Text(
        plan="A colleague keeps nagging me to join her choir, I'm not sure I can sing.",
        ask="Did you go to that rehearsal your colleague kept on about?",
        reply="Went {ago} and they let me stay in the choir! I'm an alto, apparently.",
        news="I joined a community choir {ago}, we rehearse on Wednesdays in an old church.",
        single="What musical group did {o} join?", when="When did {o} join the choir?",
        arc="How is {o} doing in the choir?",
        follow="We have our first concert in a few weeks and I have a tiny solo!",
        follow_q="What part does {o} have in the upcoming concert?"), Text(
        plan="En kollega tjatar om att jag ska börja i hennes kör, jag vet inte om jag kan sjunga.",
        ask="Gick du på den där repetitionen som din kollega tjatade om?",
        reply="Gick dit {ago} och de lät mig stanna i kören! Jag är alt, tydligen.",
        news="Jag gick med i en kör {ago}, vi repar på onsdagar i en gammal kyrka.",
        single="Vilken musikalisk grupp gick {o} med i?", when="När gick {o} med i kören?",
        arc="Hur går det för {o} i kören?",
        follow="Vi har vår första konsert om några veckor och jag har ett litet solo!",
        follow_q="Vad har {o} för roll på den kommande konserten?")),
    # ------------------------------------------------ sport
    Kind("half_marathon", "sport", ("race_time",), Text(
        plan="I signed up for the spring half marathon, what was I thinking.",
        ask="How did the race go??",
        reply="I finished in {x}, so proud! My legs have never hurt this much.",
        news="I ran my first half marathon {ago}! {x}, and I didn't walk once.",
        single="What was {os} finishing time in the half marathon?", when="When did {o} run the half marathon?",
        arc="How has {os} running been going?",
        follow="Went for my first run since the race, still slow but it felt good."), Text(
        plan="Jag har anmält mig till halvmaran i vår, vad tänkte jag på.",
        ask="Hur gick loppet??",
        reply="Jag gick i mål på {x}, så stolt! Mina ben har aldrig gjort så ont.",
        news="Jag sprang mitt första halvmaraton {ago}! {x}, och jag gick inte en enda gång.",
        single="Vilken sluttid fick {o} på halvmaran?", when="När sprang {o} halvmaraton?",
        arc="Hur har det gått med {os} löpning?",
        follow="Var ute och sprang för första gången sedan loppet, fortfarande långsam men det kändes bra."),
        pair=True),
    Kind("swim", "sport", ("water",), Text(
        plan="I've agreed to do a sponsored open-water swim, I need to start training in cold water.",
        ask="Weren't you doing some sort of swimming challenge for charity?",
        reply="Yes, done {ago}! Made it across {x} in just over an hour, and raised almost two thousand for the "
              "children's hospice.",
        news="Swam across {x} {ago} for the children's hospice, freezing but worth it.",
        single="Who benefited from {os} sponsored swim?", when="When did {o} do the charity swim?",
        arc="What came of {os} charity swim?",
        follow="The hospice sent me a thank-you card with drawings from the kids, I teared up."), Text(
        plan="Jag har lovat att simma ett insamlingssim i öppet vatten, måste börja träna i kallt vatten.",
        ask="Skulle inte du simma något sorts välgörenhetslopp?",
        reply="Jo, klart {ago}! Tog mig över {x} på drygt en timme och samlade in nästan tjugo tusen till "
              "barnhospicet.",
        news="Simmade över {x} {ago} för barnhospicet, iskallt men värt det.",
        single="Vem fick pengarna från {os} sponsrade simning?", when="När simmade {o} för välgörenhet?",
        arc="Vad blev det av {os} välgörenhetssim?",
        follow="Hospicet skickade ett tackkort med teckningar från barnen, jag blev tårögd."),
        pair=True),
    Kind("football", "sport", (), Text(
        plan="I joined a five-a-side team through work, we're terrible but it's fun.",
        ask="Big game this weekend, right? How did it go?",
        reply="We won! Two-one, and the second goal was mine, I'm never shutting up about it.",
        news="Our five-a-side team won the league final {ago}, and I scored the winner!",
        single="How did {os} team do in the final?", when="When did {os} team win the final?",
        open="Does {o} enjoy team sports?",
        arc="How has {os} five-a-side team done?",
        follow="We got little trophies for the league win, mine is on the bathroom shelf."), Text(
        plan="Jag har börjat i ett korplag i fotboll via jobbet, vi är usla men det är kul.",
        ask="Stor match i helgen va? Hur gick det?",
        reply="Vi vann! Två–ett, och andra målet var mitt, det kommer jag att tjata om länge.",
        news="Vårt korplag vann finalen {ago}, och jag gjorde segermålet!",
        single="Hur gick det för {os} lag i finalen?", when="När vann {os} lag finalen?",
        open="Gillar {o} lagsporter?",
        arc="Hur har det gått för {os} korplag?",
        follow="Vi fick små pokaler för seriesegern, min står på badrumshyllan."),
        pair=True),
    Kind("climbing", "sport", (), Text(
        plan="A friend dragged me to the climbing gym once and I can't stop thinking about it.",
        ask="Have you been back to that wall place?",
        reply="Three times a week now! {ago} I finally topped a route I'd been stuck on for a month.",
        news="I finally sent my first grade six problem at the bouldering gym {ago}, my forearms are dead.",
        single="What did {o} achieve at the climbing gym?", when="When did {o} complete the tough climbing route?",
        open="Would {o} be up for an outdoor climbing trip?",
        arc="How is {o} getting on with climbing?",
        follow="Tore a callus on my finger at the wall, gross but I'm weirdly proud."), Text(
        plan="En kompis släpade med mig till klätterhallen en gång och jag kan inte sluta tänka på det.",
        ask="Har du varit tillbaka på det där stället med väggen?",
        reply="Tre gånger i veckan nu! {ago} klarade jag äntligen en led jag hade fastnat på i en månad.",
        news="Jag klarade äntligen mitt första problem på grad sex i boulderhallen {ago}, underarmarna är döda.",
        single="Vad lyckades {o} med i klätterhallen?", when="När klarade {o} den svåra klätterleden?",
        open="Skulle {o} vilja följa med på en klätterresa utomhus?",
        arc="Hur går det för {o} med klättringen?",
        follow="Slet upp en valk på fingret vid väggen, äckligt men jag är konstigt stolt.")),
    # ------------------------------------------------ family
    Kind("niece", "family", ("baby",), Text(
        plan="My sister is due any day now, I keep checking my phone.",
        ask="Any news from your sister??",
        reply="Yes!! A little girl arrived {ago}, they named her {x}. Tiny, loud and perfect.",
        news="My sister had her baby {ago}! My niece is called {x}, I held her for an hour and cried.",
        single="What is the name of {os} niece?", when="When was {os} niece born?",
        arc="What has {o} said about baby {x}?",
        follow="Babysat {x} for the first time, she screamed for an hour then fell asleep on my chest.",
        follow_q="How did {os} first babysitting go?"), Text(
        plan="Min syster är beräknad vilken dag som helst, jag kollar telefonen hela tiden.",
        ask="Något nytt från din syster??",
        reply="Ja!! En liten tjej kom {ago}, de döpte henne till {x}. Liten, högljudd och perfekt.",
        news="Min syster fick sin bebis {ago}! Min systerdotter heter {x}, jag höll henne i en timme och grät.",
        single="Vad heter {os} systerdotter?", when="När föddes {os} systerdotter?",
        arc="Vad har {o} berättat om lilla {x}?",
        follow="Var barnvakt åt {x} för första gången, hon skrek i en timme och somnade sedan på mitt bröst.",
        follow_q="Hur gick {os} första pass som barnvakt?")),
    Kind("dad_retired", "family", ("dad",), Text(
        ask="How's your dad doing these days?",
        reply="Retired {ago}, finally! He's already talking about {x}, my mum is worried.",
        news="My dad had his last day at the factory {ago} after thirty-one years, we threw him a surprise party.",
        single="What career milestone did {os} dad reach?", when="When did {os} dad retire?",
        arc="How is {os} dad finding retirement?",
        follow="My dad has signed up for an evening class in Italian, retirement suits him.",
        follow_q="What is {os} father doing with his free time?"), Text(
        ask="Hur mår din pappa nuförtiden?",
        reply="Gick i pension {ago}, äntligen! Han pratar redan om {x}, mamma är orolig.",
        news="Pappa hade sin sista dag på fabriken {ago} efter trettioett år, vi ordnade en överraskningsfest.",
        single="Vilken milstolpe i arbetslivet nådde {os} pappa?", when="När gick {os} pappa i pension?",
        arc="Hur trivs {os} pappa som pensionär?",
        follow="Pappa har anmält sig till en kvällskurs i italienska, pensionärslivet passar honom.",
        follow_q="Vad gör {os} pappa med sin lediga tid?")),
    Kind("grandma", "family", ("gran_age",), Text(
        plan="My whole family is flying in for my gran's birthday, I'm in charge of the cake.",
        ask="How was the big family party?",
        reply="Lovely chaos. Gran blew out all the candles on her {x}th birthday cake in one go, then demanded "
              "more champagne.",
        news="We celebrated my grandmother turning {x} {ago}, she danced with every single grandchild.",
        single="How old did {os} grandmother turn?", when="When was {os} grandmother's birthday party?"), Text(
        plan="Hela släkten kommer för mormors födelsedag, jag har ansvar för tårtan.",
        ask="Hur var den stora släktfesten?",
        reply="Härligt kaos. Mormor fyllde {x} och blåste ut alla ljusen på en gång, sedan ville hon ha mer "
              "champagne.",
        news="Vi firade att mormor fyllde {x} {ago}, hon dansade med vartenda barnbarn.",
        single="Hur gammal blev {os} mormor?", when="När firade {o} sin mormors födelsedag?")),
    Kind("kid_school", "family", ("kid",), Text(
        plan="Can't believe {x} starts school after the break, where did the time go.",
        ask="Was it the big first day for your little one?",
        reply="It was! {x} marched in with her new backpack and didn't even look back, I was the one crying.",
        news="My daughter {x} started school {ago}! She insisted on walking in alone, I cried in the car.",
        single="What is the name of {os} daughter?", when="When did {os} daughter start school?",
        arc="How is {x} finding school?",
        follow="{x} already has a best friend at school, they're inseparable."), Text(
        plan="Kan inte fatta att {x} börjar skolan efter lovet, vart tog tiden vägen.",
        ask="Var det den stora första dagen för din lilla?",
        reply="Ja! {x} marscherade in med sin nya ryggsäck och tittade inte ens bakåt, det var jag som grät.",
        news="Min dotter {x} började skolan {ago}! Hon ville gå in själv, jag grät i bilen.",
        single="Vad heter {os} dotter?", when="När började {os} dotter skolan?",
        arc="Hur trivs {x} i skolan?",
        follow="{x} har redan en bästis i skolan, de är oskiljaktiga."),
        pair=True),
    Kind("engagement", "family", ("friend",), Text(
        ask="What was all the excitement in your family about?",
        reply="My brother finally popped the question! {x} said yes before he even finished.",
        news="My brother proposed to {x} {ago}, on a mountain top, very dramatic, and {x} said yes.",
        single="Who is {os} brother engaged to?", when="When did {os} brother get engaged?",
        arc="What has {o} said about {x} and the brother?",
        follow="{x} asked me to help plan the engagement party, spreadsheets galore.",
        follow_q="What did {os} future sister-in-law ask for help with?"), Text(
        ask="Vad var all uppståndelse i familjen om?",
        reply="Min bror friade äntligen! {x} sa ja innan han ens hunnit klart.",
        news="Min bror friade till {x} {ago}, på en bergstopp, väldigt dramatiskt, och {x} sa ja.",
        single="Vem är {os} bror förlovad med?", when="När förlovade sig {os} bror?",
        arc="Vad har {o} berättat om {x} och brodern?",
        follow="{x} bad mig hjälpa till att planera förlovningsfesten, kalkylark överallt.",
        follow_q="Vad bad {os} blivande svägerska om hjälp med?")),
    # ------------------------------------------------ work
    Kind("promotion", "work", ("title",), Text(
        plan="There's a new position opening up at work, I'm thinking of applying.",
        ask="Did you hear back about the position?",
        reply="I got it!! Found out {ago}, I'm officially {x} now.",
        news="Got promoted to {x} {ago}! More meetings, but I finally get to shape the projects.",
        single="What is {os} new job title?", when="When was {o} promoted?",
        arc="How has {os} new role been going?",
        follow="First week managing people, I've already had to mediate an argument about the office fridge.",
        follow_q="What conflict did {o} have to sort out as a new manager?"), Text(
        plan="Det finns en ny tjänst på jobbet som jag funderar på att söka.",
        ask="Har du fått besked om tjänsten?",
        reply="Jag fick den!! Fick veta {ago}, jag är officiellt {x} nu.",
        news="Blev befordrad till {x} {ago}! Fler möten, men nu får jag äntligen forma projekten.",
        single="Vilken ny titel har {o} fått?", when="När befordrades {o}?",
        arc="Hur har det gått för {o} i den nya rollen?",
        follow="Första veckan som chef, jag har redan fått medla i ett bråk om kylskåpet på kontoret.",
        follow_q="Vilken konflikt fick {o} reda ut som ny chef?"),
        pair=True),
    Kind("new_job", "work", ("employer",), Text(
        ask="So what's the big news you hinted at?",
        reply="I'm leaving! Signed the contract with {x} {ago}, starting next month.",
        news="I handed in my notice {ago}, next month I start at {x}!",
        single="Where is {o} going to work next?", when="When did {o} accept the new job?",
        arc="How does {o} feel about the job change?",
        follow="New job is great, my desk faces the river and nobody micromanages me.",
        follow_q="What does {o} like about the new workplace?"), Text(
        ask="Vad var det för stora nyheter du antydde?",
        reply="Jag slutar! Skrev på kontraktet med {x} {ago}, börjar nästa månad.",
        news="Jag sa upp mig {ago}, nästa månad börjar jag på {x}!",
        single="Var ska {o} jobba härnäst?", when="När tackade {o} ja till det nya jobbet?",
        arc="Vad tycker {o} om jobbytet?",
        follow="Nya jobbet är toppen, mitt skrivbord vetter mot ån och ingen detaljstyr mig.",
        follow_q="Vad gillar {o} med den nya arbetsplatsen?")),
    Kind("presentation", "work", ("topic",), Text(
        plan="I have to present our results to the whole company, I'm dreading it.",
        ask="Did the big presentation happen?",
        reply="It did, {ago}. Forty minutes on {x}, and the CEO asked me for the slides afterwards!",
        news="Gave a talk on {x} to the whole company {ago}, hands shaking but people clapped!",
        single="What topic did {o} present at work?", when="When did {o} give the company-wide presentation?"), Text(
        plan="Jag ska presentera våra resultat för hela företaget, jag bävar.",
        ask="Blev det av, den stora presentationen?",
        reply="Ja, {ago}. Fyrtio minuter om {x}, och vd:n bad om bilderna efteråt!",
        news="Höll en dragning om {x} för hela företaget {ago}, händerna skakade men folk applåderade!",
        single="Vad handlade {os} presentation på jobbet om?", when="När höll {o} presentationen för hela företaget?"),
        pair=True),
    Kind("side_business", "work", ("product",), Text(
        plan="I've been making things in the evenings, maybe I should try selling them.",
        ask="How's the little side project coming along?",
        reply="It's live! {ago} I launched the shop, {x}, and a stranger in Germany already bought some.",
        news="I opened a little online shop {ago} selling {x}, three orders on the first day!",
        single="What does {o} sell in the online shop?", when="When did {o} launch the online shop?",
        open="Does {o} have an entrepreneurial streak?",
        arc="How is {os} online shop doing?",
        follow="The shop got featured in a local newsletter, I had to work all weekend to keep up.",
        follow_q="What boosted the orders at {os} shop?"), Text(
        plan="Jag har gjort saker på kvällarna, jag kanske borde försöka sälja dem.",
        ask="Hur går det med det lilla sidoprojektet?",
        reply="Den är igång! {ago} öppnade jag butiken, {x}, och en främling i Tyskland har redan köpt.",
        news="Jag öppnade en liten nätbutik {ago} med {x}, tre beställningar första dagen!",
        single="Vad säljer {o} i sin nätbutik?", when="När startade {o} sin nätbutik?",
        open="Har {o} en entreprenörsådra?",
        arc="Hur går det för {os} nätbutik?",
        follow="Butiken nämndes i ett lokalt nyhetsbrev, jag fick jobba hela helgen för att hinna med.",
        follow_q="Vad fick beställningarna i {os} butik att öka?")),
    # ------------------------------------------------ home
    Kind("move", "home", ("area",), Text(
        plan="Our landlord is selling, so we're apartment hunting again, ugh.",
        ask="Did you find a new place in the end?",
        reply="Signed the lease {ago}! It's in {x}, tiny kitchen but there's a balcony.",
        news="We moved to {x} {ago}, boxes everywhere but the light in the living room is amazing.",
        single="Where did {o} move to?", when="When did {o} move to the new apartment?",
        arc="What has {o} said about the new place in {x}?",
        follow="Met the neighbours in {x}, one of them runs a bakery downstairs, dangerous.",
        follow_q="What does {os} new neighbour run?"), Text(
        plan="Hyresvärden säljer, så vi letar lägenhet igen, usch.",
        ask="Hittade ni något nytt ställe till slut?",
        reply="Skrev på kontraktet {ago}! Det ligger i {x}, litet kök men det finns balkong.",
        news="Vi flyttade till {x} {ago}, lådor överallt men ljuset i vardagsrummet är fantastiskt.",
        single="Vart flyttade {o}?", when="När flyttade {o} till den nya lägenheten?",
        arc="Vad har {o} berättat om nya stället i {x}?",
        follow="Har träffat grannarna i {x}, en av dem driver ett bageri på bottenvåningen, farligt.",
        follow_q="Vad driver {os} nya granne?")),
    Kind("garden", "home", ("veg",), Text(
        ask="Why are you always covered in dirt in your photos lately?",
        reply="Ha, guilty! I turned half the yard into beds {ago}, {x} so far.",
        news="I dug up half the backyard {ago} and planted {x}, let's see if anything survives.",
        single="What has {o} planted?", when="When did {o} start the vegetable patch?",
        open="Would {o} like a subscription to a seed club?",
        arc="How is {os} vegetable patch doing?",
        follow="Slugs ate half of my {x}, I'm at war now.",
        follow_q="What pest is bothering {os} garden?"), Text(
        ask="Varför är du alltid täckt av jord på dina bilder nu för tiden?",
        reply="Haha, skyldig! Jag gjorde om halva gården till odlingsbäddar {ago}, {x} än så länge.",
        news="Jag grävde upp halva trädgården {ago} och planterade {x}, vi får se om något överlever.",
        single="Vad har {o} planterat?", when="När anlade {o} sitt grönsaksland?",
        open="Skulle {o} uppskatta en prenumeration på fröer?",
        arc="Hur går det med {os} grönsaksland?",
        follow="Sniglarna har ätit upp hälften av mina {x}, nu är det krig.",
        follow_q="Vilka skadedjur plågar {os} odling?")),
    Kind("kitchen", "home", ("kitchen",), Text(
        plan="We're finally redoing the kitchen, the cabinets are older than me.",
        ask="Is the kitchen finished yet?",
        reply="Done {ago}! We went with {x} and a proper oven, I keep cooking just to stand in it.",
        news="Our renovation wrapped up {ago}: {x}, new lights, and a sink that doesn't leak.",
        single="What did {o} choose for the new kitchen?", when="When was {os} kitchen renovation finished?",
        arc="How did {os} kitchen project turn out?",
        follow="First dinner party in the new kitchen, eight people and nobody bumped elbows."), Text(
        plan="Vi ska äntligen göra om köket, skåpen är äldre än jag.",
        ask="Är köket klart än?",
        reply="Klart {ago}! Vi valde {x} och en riktig ugn, jag lagar mat bara för att få stå där.",
        news="Renoveringen blev klar {ago}: {x}, ny belysning och en diskho som inte läcker.",
        single="Vad valde {o} till det nya köket?", when="När blev {os} köksrenovering klar?",
        arc="Hur blev {os} köksprojekt?",
        follow="Första middagsbjudningen i nya köket, åtta personer och ingen krockade med armbågarna."),
        pair=True),
    # ------------------------------------------------ purchases
    Kind("bike", "purchase", ("bike",), Text(
        ask="How are you getting to work these days, still the bus?",
        reply="Nope! Got myself {x} {ago}, twenty minutes along the river and I arrive actually awake.",
        news="I bought {x} {ago}, so I'm cycling to work now instead of sitting on the bus.",
        single="What did {o} buy to commute?", when="When did {o} buy the bike?",
        open="Does {o} care about reducing car use?",
        arc="How is {o} finding cycling to work?",
        follow="Got a flat tyre on the way home in the rain, lovely."), Text(
        ask="Hur tar du dig till jobbet nuförtiden, fortfarande buss?",
        reply="Nej! Skaffade {x} {ago}, tjugo minuter längs ån och jag kommer fram faktiskt vaken.",
        news="Jag köpte {x} {ago}, så nu cyklar jag till jobbet i stället för att sitta på bussen.",
        single="Vad köpte {o} för att ta sig till jobbet?", when="När köpte {o} cykeln?",
        open="Bryr sig {o} om att köra mindre bil?",
        arc="Hur tycker {o} att det är att cykla till jobbet?",
        follow="Fick punktering på vägen hem i regnet, underbart.")),
    Kind("car", "purchase", ("car",), Text(
        plan="Our old car failed its inspection, so I guess we're car shopping.",
        ask="Did you find a replacement for the old car?",
        reply="Yes, picked it up {ago}: {x}, only forty thousand on the clock.",
        news="We finally replaced the old banger {ago}, it's {x} and it smells brand new.",
        single="What car did {o} buy?", when="When did {o} get the new car?",
        arc="How is {o} getting on with the new car?",
        follow="Took the new car on its first long drive, the kids slept the whole way."), Text(
        plan="Vår gamla bil blev underkänd på besiktningen, så nu får vi väl leta bil.",
        ask="Hittade ni någon ersättare för den gamla bilen?",
        reply="Ja, hämtade den {ago}: {x}, bara fyra tusen mil på mätaren.",
        news="Vi har äntligen bytt ut gamla rishögen {ago}, det blev {x} och den luktar helt ny.",
        single="Vilken bil köpte {o}?", when="När fick {o} den nya bilen?",
        arc="Hur är {os} nya bil?",
        follow="Första långturen med nya bilen, barnen sov hela vägen.")),
    Kind("record_player", "purchase", ("album",), Text(
        ask="What's that crackling sound in the background of your voice messages?",
        reply="My new toy! Bought a turntable {ago}, right now it's {x} on repeat.",
        news="Treated myself to a record player {ago}, the first album I put on was {x}.",
        single="Which album has {o} been listening to on vinyl?", when="When did {o} buy the record player?",
        arc="What has {o} been doing with the record player?",
        follow="Found a crate of old records at a flea market, three euros for twenty."), Text(
        ask="Vad är det som knastrar i bakgrunden i dina röstmeddelanden?",
        reply="Min nya leksak! Köpte en vinylspelare {ago}, just nu är det {x} på repeat.",
        news="Unnade mig en skivspelare {ago}, första skivan jag satte på var {x}.",
        single="Vilket album har {o} lyssnat på på vinyl?", when="När köpte {o} skivspelaren?",
        arc="Vad har {o} gjort med skivspelaren?",
        follow="Hittade en back med gamla skivor på loppis, trettio kronor för tjugo stycken.")),
    # ------------------------------------------------ health
    Kind("ankle", "health", (), Text(
        ask="Why are you on crutches in that photo?!",
        reply="Don't laugh. I stepped off a curb wrong {ago} and sprained my ankle, six weeks of this.",
        news="I twisted my ankle stepping off a kerb {ago}, it's the size of a grapefruit and I'm on crutches.",
        single="What injury did {o} get?", when="When did {o} sprain the ankle?",
        arc="How is {os} ankle?",
        follow="Physio says my ankle is healing well, I can walk without crutches now.",
        follow_q="How is {os} recovery going?"), Text(
        ask="Varför har du kryckor på den där bilden?!",
        reply="Skratta inte. Jag klev snett av en trottoarkant {ago} och stukade foten, sex veckor av det här.",
        news="Jag vrickade foten när jag klev av en trottoarkant {ago}, den är stor som en grapefrukt och jag går "
             "på kryckor.",
        single="Vilken skada fick {o}?", when="När stukade {o} foten?",
        arc="Hur är det med {os} fot?",
        follow="Sjukgymnasten säger att foten läker fint, jag kan gå utan kryckor nu.",
        follow_q="Hur går {os} rehabilitering?"),
        sad=True),
    Kind("therapy", "health", (), Text(
        plan="Work has been grinding me down, I'm not sleeping well.",
        ask="Did you talk to someone about the sleep thing?",
        reply="I did, {ago}. Started seeing a therapist, and she's got me doing breathing exercises before bed.",
        news="Had my first session with a therapist {ago}, it felt weird but also like a weight lifted.",
        single="What kind of help did {o} seek for the sleep problems?", when="When did {o} start therapy?",
        open="Is {o} open to talking about mental health?",
        arc="How has therapy been helping {o}?",
        follow="Slept eight hours straight for the first time in months!"), Text(
        plan="Jobbet sliter på mig, jag sover dåligt.",
        ask="Pratade du med någon om det där med sömnen?",
        reply="Ja, {ago}. Började gå till en terapeut, och hon har fått mig att göra andningsövningar innan jag "
              "somnar.",
        news="Hade mitt första samtal med en terapeut {ago}, det kändes konstigt men också som att en tyngd lyftes.",
        single="Vilken hjälp sökte {o} för sömnproblemen?", when="När började {o} gå i terapi?",
        open="Är {o} öppen för att prata om psykisk hälsa?",
        arc="Hur har terapin hjälpt {o}?",
        follow="Sov åtta timmar i sträck för första gången på flera månader!")),
    Kind("allergy", "health", ("allergen",), Text(
        plan="I've had this itchy rash for weeks, I'm seeing a doctor about it.",
        ask="Did the doctor figure out what's causing your rash?",
        reply="Yes! Skin test {ago}, it's {x}. So that's my life now.",
        news="Turns out I'm allergic to {x}, found out at the clinic {ago}, explains so much.",
        single="What is {o} allergic to?", when="When was {o} diagnosed with the allergy?",
        arc="What trouble has {o} had with the allergy?",
        follow="Accidentally ate something with {x} at a party, spent the night itching."), Text(
        plan="Jag har haft ett kliande utslag i flera veckor, ska till läkaren för det.",
        ask="Kom läkaren fram till vad som orsakar utslagen?",
        reply="Ja! Pricktest {ago}, det är {x}. Så det är mitt liv nu.",
        news="Det visade sig att jag är allergisk mot {x}, fick veta på vårdcentralen {ago}, det förklarar så mycket.",
        single="Vad är {o} allergisk mot?", when="När fick {o} sin allergidiagnos?",
        arc="Vilka problem har {o} haft med allergin?",
        follow="Åt av misstag något med {x} på en fest och kliade hela natten."),
        pair=True, sad=True),
    Kind("glasses", "health", ("frames",), Text(
        ask="New look in your profile picture?",
        reply="Ha, yes, {ago} the optician confirmed I'm short-sighted, so now I wear {x} frames.",
        news="Got my first pair of glasses {ago}, turns out trees have individual leaves!",
        single="What did the optician find out about {os} eyes?", when="When did {o} get glasses?"), Text(
        ask="Ny stil på profilbilden?",
        reply="Haha, ja, {ago} konstaterade optikern att jag är närsynt, så nu har jag {x} bågar.",
        news="Fick mina första glasögon {ago}, det visar sig att träd har enskilda löv!",
        single="Vad kom optikern fram till om {os} syn?", when="När fick {o} glasögon?")),
    # ------------------------------------------------ books
    Kind("book_read", "books", ("book",), Text(
        ask="Read anything good lately?",
        reply="Just finished '{x}' {ago}, I stayed up till two to get to the end.",
        news="I finished '{x}' {ago} and I can't stop thinking about the ending.",
        single="What novel did {o} finish recently?", when="When did {o} finish reading '{x}'?",
        arc="What has {o} said about '{x}'?",
        follow="Lent my copy of '{x}' to my cousin, she's already halfway.",
        follow_q="Who did {o} lend the book to?"), Text(
        ask="Läst något bra på sistone?",
        reply="Läste precis ut '{x}' {ago}, jag var uppe till två för att komma till slutet.",
        news="Jag läste ut '{x}' {ago} och kan inte sluta tänka på slutet.",
        single="Vilken roman läste {o} ut nyligen?", when="När läste {o} ut '{x}'?",
        arc="Vad har {o} sagt om '{x}'?",
        follow="Lånade ut mitt ex av '{x}' till min kusin, hon är redan halvvägs.",
        follow_q="Vem lånade {o} ut boken till?")),
    Kind("book_club", "books", ("book",), Text(
        plan="A few of us from work want to start a book club, I volunteered to host.",
        ask="How was the first book club night?",
        reply="So fun! We did '{x}', half of us hated it, the arguing was the best part.",
        news="Hosted our very first book club {ago}, we picked '{x}' and argued about it for three hours.",
        single="What book did {os} reading group discuss first?", when="When did {o} host the first book club?",
        open="Does {o} enjoy having people over?"), Text(
        plan="Några av oss på jobbet vill starta en läsecirkel, jag erbjöd mig att ha den hemma.",
        ask="Hur var första kvällen med läsecirkeln?",
        reply="Så kul! Vi tog '{x}', halva gänget hatade den, bråket var det bästa.",
        news="Hade vår allra första läsecirkel {ago}, vi valde '{x}' och bråkade om den i tre timmar.",
        single="Vilken bok diskuterade {os} läsecirkel först?", when="När höll {o} i läsecirkelns första träff?",
        open="Tycker {o} om att ha folk hemma?"),
        pair=True),
    Kind("book_find", "books", ("book",), Text(
        ask="Any treasures from the second-hand shops?",
        reply="The best one yet: a signed first edition of '{x}', {ago}, for the price of a coffee.",
        news="Found a signed copy of '{x}' in a charity shop {ago}, two pounds!",
        single="What rare book did {o} find second-hand?", when="When did {o} find the signed book?"), Text(
        ask="Några fynd på second hand-butikerna?",
        reply="Det bästa hittills: en signerad förstaupplaga av '{x}', {ago}, för priset av en kaffe.",
        news="Hittade ett signerat ex av '{x}' på en loppis {ago}, för tjugo kronor!",
        single="Vilken ovanlig bok hittade {o} på second hand?", when="När hittade {o} den signerade boken?")),
    # ------------------------------------------------ food
    Kind("sourdough", "food", ("starter",), Text(
        ask="What's that jar on your counter with the rubber band?",
        reply="That's {x}, my starter! Fed it every day for two weeks, and {ago} I finally baked a proper loaf.",
        news="My sourdough starter is alive! I named it {x} and baked my first loaf {ago}.",
        single="What did {o} name the sourdough starter?", when="When did {o} bake the first loaf?",
        arc="How is {os} sourdough starter doing?",
        follow="{x} is bubbling like crazy since I moved it to a warmer spot."), Text(
        ask="Vad är det för burk med gummisnodd på din bänk?",
        reply="Det är {x}, min surdeg! Matade den varje dag i två veckor, och {ago} bakade jag äntligen ett "
              "riktigt bröd.",
        news="Min surdeg lever! Jag döpte den till {x} och bakade mitt första bröd {ago}.",
        single="Vad döpte {o} sin surdeg till?", when="När bakade {o} sitt första bröd?",
        arc="Hur mår {os} surdeg?",
        follow="{x} bubblar som tokig sedan jag flyttade den till ett varmare ställe.")),
    Kind("cooking_class", "food", ("cuisine",), Text(
        plan="I signed up for a cooking class in something totally new to me.",
        ask="How was the class you signed up for?",
        reply="Oh, it was brilliant! All {x} food, we ground every spice by hand and ate until we couldn't move.",
        news="Did a {x} cooking class {ago}, the chef made us grind all the spices by hand.",
        single="What cuisine did {o} learn in the cooking class?", when="When did {o} take the cooking class?",
        open="Would {o} enjoy trying an unfamiliar restaurant?",
        arc="What has {o} cooked since the class?",
        follow="Made the {x} dishes from the class for my parents, they asked for seconds."), Text(
        plan="Jag har anmält mig till en matlagningskurs i något helt nytt för mig.",
        ask="Hur var kursen du anmälde dig till?",
        reply="Den var toppen! Helt {x} mat, vi malde varenda krydda för hand och åt tills vi inte kunde röra oss.",
        news="Gick en kurs i {x} matlagning {ago}, kocken lät oss mala alla kryddor för hand.",
        single="Vilket kök lärde sig {o} laga på kursen?", when="När gick {o} matlagningskursen?",
        open="Skulle {o} gilla att testa en okänd restaurang?",
        arc="Vad har {o} lagat sedan kursen?",
        follow="Lagade {x} mat från kursen till mina föräldrar, de ville ha mer.")),
    Kind("foraging", "food", ("berry",), Text(
        ask="Why does your kitchen look like a crime scene in that picture?",
        reply="Ha! Jam day. I picked {x} in the woods {ago} and boiled all of it.",
        news="Went foraging in the woods {ago} and came home with two buckets of {x}, the kitchen is a jam factory.",
        single="What berries did {o} pick?", when="When did {o} go berry picking?",
        open="Would {o} enjoy a weekend in a cabin in the forest?",
        arc="What did {o} do with the berries?",
        follow="Gave jars of my jam to everyone at work, I'm the office hero."), Text(
        ask="Varför ser ditt kök ut som en brottsplats på bilden?",
        reply="Haha! Syltdag. Jag plockade {x} i skogen {ago} och kokade allt.",
        news="Var ute i skogen {ago} och kom hem med två hinkar {x}, köket är en syltfabrik nu.",
        single="Vilka bär plockade {o}?", when="När plockade {o} bär?",
        open="Skulle {o} gilla en helg i en stuga i skogen?",
        arc="Vad gjorde {o} med bären?",
        follow="Gav burkar med min sylt till alla på jobbet, jag är kontorets hjälte.")),
    # ------------------------------------------------ volunteering
    Kind("shelter", "volunteer", (), Text(
        plan="I want to give something back, maybe spend my Saturdays somewhere useful.",
        ask="Did you find somewhere to volunteer?",
        reply="Yes! Started at the animal shelter {ago}, I walk the old dogs nobody picks.",
        news="Started volunteering at the animal rescue {ago}, I walk the senior dogs nobody wants.",
        single="Which animals does {o} look after as a volunteer?", when="When did {o} start at the shelter?",
        open="Would {o} consider adopting an older pet?",
        arc="How is {os} time at the animal shelter going?",
        follow="One of the old dogs from the shelter got adopted, I cried like a baby."), Text(
        plan="Jag vill ge något tillbaka, kanske lägga mina lördagar på något vettigt.",
        ask="Hittade du något ställe att vara volontär på?",
        reply="Ja! Började på djurhemmet {ago}, jag går ut med de gamla hundarna som ingen väljer.",
        news="Började som volontär på djurhemmet {ago}, jag rastar de äldre hundarna som ingen vill ha.",
        single="Vilka djur tar {o} hand om som volontär?", when="När började {o} på djurhemmet?",
        open="Skulle {o} kunna tänka sig att adoptera ett äldre djur?",
        arc="Hur går det för {o} på djurhemmet?",
        follow="En av de gamla hundarna på djurhemmet blev adopterad, jag grät som ett barn.")),
    Kind("food_bank", "volunteer", (), Text(
        ask="What's keeping you busy on Thursday nights now?",
        reply="Packing groceries for families! I did my first evening at the food bank {ago}, going back every week.",
        news="Did my first shift at the food bank {ago}, we packed three hundred bags of groceries in four hours.",
        single="What did {o} pack as a volunteer?", when="When did {o} first help at the food bank?",
        arc="What has {o} experienced at the food bank?",
        follow="A little boy at the food bank gave me a drawing, it's on my fridge."), Text(
        ask="Vad håller dig sysselsatt på torsdagskvällarna nu?",
        reply="Packar matkassar till familjer! Jag hade mitt första pass på matbanken {ago} och ska tillbaka varje "
              "vecka.",
        news="Hade mitt första pass på matbanken {ago}, vi packade trehundra matkassar på fyra timmar.",
        single="Vad packade {o} som volontär?", when="När hjälpte {o} till på matbanken första gången?",
        arc="Vad har {o} varit med om på matbanken?",
        follow="En liten kille på matbanken gav mig en teckning, den sitter på mitt kylskåp."),
        pair=True),
    Kind("tutoring", "volunteer", ("school_subject",), Text(
        plan="I miss teaching, I'd love to use it for something again.",
        ask="You said you wanted to use your teaching background somehow, any luck?",
        reply="Yes, {ago} I started helping kids with {x} homework at the library, twice a week.",
        news="I started tutoring teenagers in {x} at the library {ago}, they're sharper than me.",
        single="What subject does {o} help teenagers with?", when="When did {o} start tutoring?",
        open="Would {o} make a good teacher?",
        arc="How is {os} tutoring going?",
        follow="One of my students passed the {x} exam, I'm way too invested."), Text(
        plan="Jag saknar att undervisa, jag skulle gärna använda det till något igen.",
        ask="Du sa att du ville använda din lärarbakgrund på något sätt, hur går det?",
        reply="Jo, {ago} började jag hjälpa ungdomar med läxorna i {x} på biblioteket, två gånger i veckan.",
        news="Jag började som läxhjälp i {x} för tonåringar på biblioteket {ago}, de är vassare än jag.",
        single="Vilket ämne hjälper {o} tonåringar med?", when="När började {o} med läxhjälpen?",
        open="Skulle {o} bli en bra lärare?",
        arc="Hur går det med {os} läxhjälp?",
        follow="En av mina elever klarade provet i {x}, jag är alldeles för engagerad.")),
    Kind("cleanup", "volunteer", (), Text(
        ask="What were you doing on the shore with gloves and a grabber in your story?",
        reply="Cleanup crew! {ago} a bunch of us filled forty bags, mostly bottle caps and old fishing line.",
        news="Joined a beach cleanup {ago}, we filled forty bags, mostly bottle caps and fishing line.",
        single="What did {o} mostly collect during the cleanup?", when="When did {o} join the beach cleanup?",
        open="Does {o} care about the environment?"), Text(
        ask="Vad gjorde du på stranden med handskar och en plockpinne i din story?",
        reply="Städpatrull! {ago} fyllde ett gäng av oss fyrtio säckar, mest kapsyler och gammal fiskelina.",
        news="Var med på en strandstädning {ago}, vi fyllde fyrtio säckar, mest kapsyler och fiskelina.",
        single="Vad samlade {o} mest under städdagen?", when="När var {o} med och städade stranden?",
        open="Bryr sig {o} om miljön?")),
    # ------------------------------------------------ friends
    Kind("reconnect", "friends", ("friend",), Text(
        ask="Who was that in the photo with you at the café?",
        reply="That's {x}! We were inseparable at school and ran into each other {ago}, total coincidence.",
        news="Bumped into {x} from high school {ago}, we talked for three hours like no time had passed.",
        single="Which old school friend did {o} run into?", when="When did {o} reconnect with {x}?",
        arc="What has {o} said about {x}?",
        follow="{x} and I have a standing coffee date now, every other Sunday.",
        follow_q="How often does {o} meet {x} now?"), Text(
        ask="Vem var det på bilden med dig på kaféet?",
        reply="Det är {x}! Vi var oskiljaktiga i skolan och sprang på varandra {ago}, ren slump.",
        news="Stötte på {x} från gymnasiet {ago}, vi pratade i tre timmar som om ingen tid hade gått.",
        single="Vilken gammal skolkamrat stötte {o} ihop med?", when="När fick {o} kontakt med {x} igen?",
        arc="Vad har {o} berättat om {x}?",
        follow="{x} och jag har en stående fikadejt nu, varannan söndag.",
        follow_q="Hur ofta träffar {o} {x} nu?")),
    Kind("surprise_party", "friends", ("friend",), Text(
        plan="{x} turns thirty soon and I'm planning a surprise, keep it quiet.",
        ask="Did you pull off the surprise?",
        reply="Totally! {x} walked in and screamed, then cried, then danced all night.",
        news="We threw {x} a surprise thirtieth {ago}, no idea at all, I've never seen anyone so shocked.",
        single="Whose surprise party did {o} organise?", when="When was {xs} surprise party?",
        open="Does {o} enjoy planning parties?"), Text(
        plan="{x} fyller trettio snart och jag planerar en överraskning, håll det hemligt.",
        ask="Lyckades du med överraskningen?",
        reply="Helt! {x} kom in och skrek, grät och dansade sedan hela natten.",
        news="Vi ordnade en överraskningsfest för {x} som fyllde trettio {ago}, ingen aning alls, så chockad.",
        single="Vems överraskningsfest ordnade {o}?", when="När var {xs} överraskningsfest?",
        open="Tycker {o} om att planera fester?"),
        pair=True),
    Kind("game_night", "friends", ("friend", "game"), Text(
        ask="Any fun plans lately or just work, work, work?",
        reply="Had {x} over {ago}, we got hooked on {y} and didn't notice it was past midnight.",
        news="{x} came over for a board game night {ago}, we played {y} until one in the morning.",
        single="Which game did {o} play with {x}?", when="When did {o} have the game night with {x}?",
        arc="What has {o} said about playing {y}?",
        follow="{x} went and bought a copy of {y}, I've created a monster."), Text(
        ask="Några roliga planer på sistone eller bara jobb, jobb, jobb?",
        reply="Hade {x} här {ago}, vi fastnade för {y} och märkte inte att klockan var efter midnatt.",
        news="{x} kom över på spelkväll {ago}, vi spelade {y} till ett på natten.",
        single="Vilket spel spelade {o} med {x}?", when="När hade {o} spelkväll med {x}?",
        arc="Vad har {o} sagt om att spela {y}?",
        follow="{x} har köpt ett eget {y}, jag har skapat ett monster.")),
]

MULTI: dict[str, dict[Lang, str]] = {  # one question per speaker and group with 2-3 events
    "pet": {"en": "What pets does {o} have?", "sv": "Vilka husdjur har {o}?"},
    "trip": {"en": "Which places has {o} travelled to?", "sv": "Vilka platser har {o} rest till?"},
    "hobby": {"en": "What creative hobbies does {o} have?", "sv": "Vilka kreativa hobbyer har {o}?"},
    "music": {"en": "What musical activities has {o} done?", "sv": "Vad har {o} gjort som har med musik att göra?"},
    "sport": {"en": "What sporting challenges has {o} taken part in?",
              "sv": "Vilka idrottsutmaningar har {o} deltagit i?"},
    "family": {"en": "What has happened in {os} family?", "sv": "Vad har hänt i {os} familj?"},
    "work": {"en": "What changes has {o} had at work?", "sv": "Vad har hänt för {o} på jobbet?"},
    "home": {"en": "What changes has {o} made at home?", "sv": "Vilka förändringar har {o} gjort hemma?"},
    "purchase": {"en": "What has {o} bought recently?", "sv": "Vad har {o} köpt på sistone?"},
    "health": {"en": "What health problems has {o} dealt with?", "sv": "Vilka hälsoproblem har {o} haft?"},
    "books": {"en": "What books has {o} mentioned?", "sv": "Vilka böcker har {o} nämnt?"},
    "food": {"en": "What has {o} cooked or baked?", "sv": "Vad har {o} lagat eller bakat?"},
    "volunteer": {"en": "What volunteering has {o} done?", "sv": "Vilket volontärarbete har {o} gjort?"},
    "friends": {"en": "Which friends has {o} spent time with?", "sv": "Vilka vänner har {o} umgåtts med?"},
}

POOLS: dict[str, dict[Lang, list[str]]] = {
    "he": {"en": ["Oscar", "Biscuit", "Milo", "Ziggy", "Bruno", "Waffles"],  # pets, by the pronoun they get
           "sv": ["Sixten", "Bamse", "Ludde", "Zorro", "Tassen", "Nisse"]},
    "she": {"en": ["Luna", "Pepper", "Juniper", "Hazel", "Daisy", "Mabel"],
            "sv": ["Molly", "Selma", "Kajsa", "Pluttan", "Smulan", "Doris"]},
    "city": {"en": ["Porto", "Seville", "Naples", "Prague", "Budapest", "Valencia", "Lyon", "Krakow", "Bologna"],
             "sv": ["Lissabon", "Neapel", "Prag", "Sevilla", "Budapest", "Porto", "Valencia", "Lyon", "Krakow"]},
    "wedding_city": {"en": ["Florence", "Bordeaux", "Verona", "Siena", "Dubrovnik", "Split"],
                     "sv": ["Florens", "Bordeaux", "Verona", "Siena", "Dubrovnik", "Split"]},
    "region": {"en": ["the Lake District", "the Dolomites", "the Scottish Highlands", "Snowdonia", "the Pyrenees"],
               "sv": ["Jämtlandsfjällen", "Sarek", "Kebnekaiseområdet", "Abisko", "Härjedalsfjällen"]},
    "road": {"en": ["the Amalfi coast", "the west coast of Ireland", "the Atlantic Road in Norway",
                    "the Cornish coast", "Big Sur"],
             "sv": ["Bohuskusten", "Höga kusten", "Österlen", "Gotlands östkust", "Atlantvägen i Norge"]},
    "pottery": {"en": ["bowl", "mug", "vase", "plant pot", "jug"], "sv": ["skål", "mugg", "vas", "kruka", "kanna"]},
    "scene": {"en": ["the lake at sunrise", "my grandmother's garden", "the harbour at dusk", "a field of poppies"],
              "sv": ["sjön i soluppgången", "mormors trädgård", "hamnen i skymningen", "en äng full av vallmo"]},
    "knit": {"en": ["a scarf", "a sweater", "a pair of mittens", "a baby blanket", "a beanie"],
             "sv": ["en halsduk", "en tröja", "ett par vantar", "en babyfilt", "en mössa"]},
    "photo": {"en": ["old shop signs", "strangers' dogs", "rainy streets", "birds at the pond"],
              "sv": ["gamla butiksskyltar", "folks hundar", "regniga gator", "fåglar vid dammen"]},
    "genre": {"en": ["detective novel", "fantasy novel", "children's book", "memoir", "thriller"],
              "sv": ["deckare", "fantasyroman", "barnbok", "självbiografi", "thriller"]},
    "instrument": {"en": ["cello", "ukulele", "violin", "saxophone", "banjo", "trumpet"],
                   "sv": ["cello", "ukulele", "fiol", "saxofon", "banjo", "trumpet"]},
    "band": {"en": ["Hozier", "The Lumineers", "Florence + the Machine", "Arctic Monkeys", "Bon Iver",
                    "Mumford & Sons"],
             "sv": ["Håkan Hellström", "Veronica Maggio", "First Aid Kit", "Kent", "Laleh", "Miriam Bryant"]},
    "race_time": {"en": ["1:58", "2:05", "1:52", "2:11", "1:49"], "sv": ["1:58", "2:05", "1:52", "2:11", "1:49"]},
    "water": {"en": ["the bay", "the lake", "the harbour", "the estuary", "the reservoir"],
              "sv": ["fjärden", "viken", "sundet", "sjön", "älven"]},
    "baby": {"en": ["Ava", "Iris", "Nora", "Mila", "Rosie", "Elodie"],
             "sv": ["Alice", "Ines", "Signe", "Majken", "Vilja", "Tyra"]},
    "kid": {"en": ["Lily", "Maya", "Sophie", "Ella", "Zara", "Freya"],
            "sv": ["Ella", "Stella", "Lova", "Agnes", "Juni", "Lykke"]},
    "friend": {"en": ["Jenna", "Priya", "Marcus", "Leah", "Tom", "Nadia", "Owen", "Rosa", "Ben", "Chloe", "Dev",
                      "Hannah", "Kofi", "Isla"],
               "sv": ["Elsa", "Hugo", "Saga", "Axel", "Tove", "Viktor", "Alva", "Simon", "Wilma", "Emil", "Klara",
                      "Rasmus", "Stina", "Malte"]},
    "dad": {"en": ["building a boat", "learning Italian", "walking the Camino", "restoring an old motorbike"],
            "sv": ["att bygga en båt", "att lära sig italienska", "att vandra pilgrimsleden",
                   "att renovera en gammal motorcykel"]},
    "gran_age": {"en": ["90", "95", "85", "100"], "sv": ["90", "95", "85", "100"]},
    "title": {"en": ["team lead", "senior designer", "head of logistics", "lead engineer", "project manager"],
              "sv": ["teamledare", "seniordesigner", "logistikchef", "ansvarig ingenjör", "projektledare"]},
    "employer": {"en": ["a small robotics startup", "the city library", "a wind energy firm", "an architecture studio",
                        "a children's hospital"],
                 "sv": ["ett litet robotföretag", "stadsbiblioteket", "ett vindkraftsbolag", "en arkitektbyrå",
                        "ett barnsjukhus"]},
    "topic": {"en": ["our recycling project", "customer interviews", "the new booking system",
                     "energy savings in our stores"],
              "sv": ["vårt återvinningsprojekt", "kundintervjuerna", "det nya bokningssystemet",
                     "energibesparingar i butikerna"]},
    "product": {"en": ["hand-poured candles", "pressed-flower bookmarks", "dog bandanas", "hand-drawn city maps"],
                "sv": ["handgjutna ljus", "bokmärken med pressade blommor", "hundscarfar", "handritade stadskartor"]},
    "area": {"en": ["Riverside", "the old town", "Northfield", "the harbour district", "Elm Park"],
             "sv": ["Majorna", "Gamla stan", "Haga", "Vasastan", "Hammarby sjöstad", "Johanneberg"]},
    "veg": {"en": ["tomatoes and courgettes", "potatoes and beans", "strawberries", "herbs and lettuce"],
            "sv": ["tomater och squash", "potatis och bönor", "jordgubbar", "örter och sallad"]},
    "kitchen": {"en": ["dark green cabinets", "terracotta tiles", "oak countertops", "open shelves"],
                "sv": ["mörkgröna luckor", "terrakottaplattor", "bänkskivor i ek", "öppna hyllor"]},
    "bike": {"en": ["a cargo bike", "an e-bike", "a second-hand road bike", "a folding bike"],
             "sv": ["en lådcykel", "en elcykel", "en begagnad racercykel", "en hopfällbar cykel"]},
    "car": {"en": ["a blue Volvo estate", "a little red Fiat", "a used Toyota hybrid", "a white Skoda"],
            "sv": ["en blå Volvo kombi", "en liten röd Fiat", "en begagnad Toyota hybrid", "en vit Skoda"]},
    "album": {"en": ["Rumours", "Abbey Road", "Kind of Blue", "Joni Mitchell's Blue"],
              "sv": ["Abbas Arrival", "Ted Gärdestads första skiva", "Rumours", "Kind of Blue"]},
    "allergen": {"en": ["shellfish", "hazelnuts", "sesame", "kiwi"],
                 "sv": ["skaldjur", "hasselnötter", "sesam", "kiwi"]},
    "frames": {"en": ["round tortoiseshell", "thin gold", "chunky black", "clear plastic"],
               "sv": ["runda sköldpaddsmönstrade", "tunna guldfärgade", "kraftiga svarta", "genomskinliga"]},
    "book": {"en": ["The Lighthouse Keeper's Daughter", "Salt and Silence", "A Map of Small Rooms",
                    "The Orchard at Dusk", "Where the River Bends", "The Glass Harbour", "Letters to Nobody",
                    "The Winter Garden"],
             "sv": ["Fyrvaktarens dotter", "Salt och tystnad", "En karta över små rum", "Fruktträdgården i skymningen",
                    "Där älven svänger", "Glashamnen", "Brev till ingen", "Vinterträdgården"]},
    "starter": {"en": ["Doughy Parton", "Bread Pitt", "Clint Yeastwood", "Gloria"],
                "sv": ["Degas", "Surdegs-Sune", "Brödis", "Jäst-Jerry"]},
    "cuisine": {"en": ["Thai", "Georgian", "Ethiopian", "Sichuan", "Lebanese"],
                "sv": ["thailändsk", "georgisk", "etiopisk", "sichuansk", "libanesisk"]},
    "berry": {"en": ["blackberries", "blueberries", "wild raspberries", "lingonberries"],
              "sv": ["björnbär", "blåbär", "hallon", "lingon"]},
    "school_subject": {"en": ["maths", "chemistry", "English", "physics"],
                       "sv": ["matte", "kemi", "engelska", "fysik"]},
    "game": {"en": ["Catan", "Ticket to Ride", "Wingspan", "Codenames", "Azul"],
             "sv": ["Catan", "Ticket to Ride", "Wingspan", "Codenames", "Azul"]},
}

SPEAKERS: dict[Lang, list[str]] = {
    "en": ["Caroline", "Melanie", "John", "Maria", "Tim", "Jolene", "Evan", "Sam", "Calvin", "Gina", "Nate",
           "Joanna", "Audrey", "Andrew", "Deborah", "James"],
    "sv": ["Karin", "Erik", "Sofia", "Johan", "Elin", "Anders", "Maja", "Oskar", "Linnea", "Henrik", "Ingrid",
           "Nils", "Frida", "Jonas", "Astrid", "Mattias"],
}
ACQUAINTANCES: dict[Lang, list[str]] = {"en": ["Dana", "Lucas", "Mia", "Felix", "Zoe", "Ravi", "Grace", "Leo"],
                                        "sv": ["Moa", "Ludvig", "Ebba", "Filip", "Nora", "Arvid", "Vera", "Melker"]}
AGO: dict[Lang, list[str]] = {
    "en": ["yesterday", "last weekend", "on Saturday", "on Sunday", "last week", "a few days ago", "last Friday",
           "on Wednesday"],
    "sv": ["igår", "i helgen", "i lördags", "i söndags", "förra veckan", "för några dagar sedan", "i fredags",
           "i onsdags"],
}

# ---------------------------------------------------------------- small talk

Parts = tuple[list[str], ...]  # a line is one choice from each part, empty choices skipped

GREET: dict[Lang, Parts] = {
    "en": (["Hey {p}!", "Hi {p}!", "{p}!", "Hey you!", "Morning {p}!", "Hiya {p}!"],
           ["Long time no talk, how have you been?", "How's your week going?", "Got a minute to chat?",
            "How are things?", "I've been meaning to message you.", "Hope your day's going okay."]),
    "sv": (["Hej {p}!", "Hallå {p}!", "{p}!", "Tjena!", "God morgon {p}!", "Hejsan {p}!"],
           ["Det var länge sedan, hur har du haft det?", "Hur är veckan?", "Har du en minut att snacka?",
            "Hur är läget?", "Jag har tänkt höra av mig.", "Hoppas dagen är okej."]),
}
GREET_BACK: dict[Lang, Parts] = {
    "en": (["Hey {p}!", "Hi!", "Oh hey!", "{p}!", "Hello hello!"],
           ["So nice to hear from you.", "I'm good, busy but good.", "Pretty good, thanks, and you?",
            "Perfect timing, I just sat down.", "Doing well, what's new?", "Surviving, mostly!"]),
    "sv": (["Hej {p}!", "Hej!", "Åh, hej!", "{p}!", "Hallå hallå!"],
           ["Så kul att höra av dig.", "Jag mår bra, mycket att göra men bra.", "Rätt bra, tack, och du?",
            "Perfekt timing, jag satte mig precis.", "Bara bra, vad är nytt?", "Jag överlever, för det mesta!"]),
}
CLOSE: dict[Lang, Parts] = {
    "en": (["Okay,", "Right,", "Oh,", "Anyway,"],
           ["I should get going, talk soon!", "dinner's ready, chat later!", "gotta run, but this was nice.",
            "I'm off to bed, take care!", "let's catch up again soon.", "my battery is dying, speak soon!"]),
    "sv": (["Okej,", "Nej,", "Åh,", "Hur som helst,"],
           ["jag måste sticka, hörs snart!", "maten är klar, vi hörs!", "jag måste springa, men det här var mysigt.",
            "nu går jag och lägger mig, ta hand om dig!", "vi hörs snart igen.", "batteriet dör, hörs!"]),
}
CLOSE_BACK: dict[Lang, Parts] = {
    "en": (["Bye!", "Talk soon, {p}!", "Night!", "See you!"],
           ["Take care of yourself.", "Enjoy your evening!", "Sleep well!", "This was lovely.", ""]),
    "sv": (["Hej då!", "Hörs, {p}!", "Godnatt!", "Vi ses!"],
           ["Ta hand om dig.", "Ha en fin kväll!", "Sov gott!", "Det här var mysigt.", ""]),
}
CHEER: dict[Lang, Parts] = {  # the partner's reaction to good news
    "en": (["Wow!", "Oh my god!", "No way!", "Aww!", "Yay!", "Wow, {p}!", "Oh {p}!", ""],
           ["That's amazing, I'm so happy for you!", "You must be so proud.", "I love that for you.",
            "That's so exciting!", "You deserve it, honestly.", "Look at you go!", "That's huge, well done!",
            "That made my day."],
           ["", "", "Tell me everything!", "Send me pictures!", "I'm so proud of you!", "This is the best news."]),
    "sv": (["Wow!", "Herregud!", "Nej men!", "Åh!", "Jippi!", "Wow, {p}!", "Åh {p}!", ""],
           ["Vad härligt, jag blir så glad för din skull!", "Du måste vara så stolt.", "Jag älskar det.",
            "Vad spännande!", "Du förtjänar det, ärligt.", "Titta på dig!", "Det är stort, bra jobbat!",
            "Det gjorde min dag."],
           ["", "", "Berätta allt!", "Skicka bilder!", "Jag är så stolt över dig!", "Bästa nyheten på länge."]),
}
SYMPATHY: dict[Lang, Parts] = {
    "en": (["Oh no!", "Ugh!", "Poor you!", "Oof.", "Oh {p}!"],
           ["I'm so sorry.", "That sounds miserable.", "Take it easy, okay?", "I hope you're resting."],
           ["", "Sending hugs.", "Let me know if you need anything."]),
    "sv": (["Åh nej!", "Usch!", "Stackars dig!", "Aj då.", "Åh {p}!"],
           ["Vad tråkigt.", "Det låter hemskt.", "Ta det lugnt nu, okej?", "Jag hoppas att du vilar."],
           ["", "Skickar kramar.", "Säg till om du behöver något."]),
}
ENCOURAGE: dict[Lang, Parts] = {  # to a plan
    "en": (["Ooh!", "Oh nice!", "Ha!", "{p}!", ""],
           ["Keep me posted.", "That sounds like a great idea.", "You've got this!", "Tell me how it goes.",
            "Go for it, I think you'll love it."]),
    "sv": (["Åh!", "Vad kul!", "Haha!", "{p}!", ""],
           ["Håll mig uppdaterad.", "Det låter som en toppenidé.", "Du fixar det!", "Berätta hur det går.",
            "Kör, jag tror att du kommer att älska det."]),
}
AMUSED: dict[Lang, Parts] = {  # to a follow-up
    "en": (["Ha!", "Haha!", "Aww!", "Oh {p}!", "Ha, {p}!"],
           ["Never a dull moment with you.", "I love these updates.", "Classic.", "That's the best.",
            "I can picture it perfectly.", "Of course.", "Keep them coming."]),
    "sv": (["Haha!", "Åh!", "Åh {p}!", "Haha, {p}!", "Ha!"],
           ["Aldrig en lugn stund med dig.", "Jag älskar de här uppdateringarna.", "Klassiker.", "Bäst.",
            "Jag ser det framför mig.", "Såklart.", "Mer sådant."]),
}
ACK: dict[Lang, list[str]] = {  # a reaction that fits most things the partner says
    "en": ["Ha, so true, {p}.", "Aww, {p}!", "Oh, I hear you.", "Totally get that.", "Ha, classic.", "That's fair.",
           "Same here, honestly.", "Haha, yes!", "Fair enough!", "Right? Exactly.", "Ha, I can imagine.",
           "Mm, makes sense.", "Oh, that's so you, {p}.", "I know what you mean.", "Honestly, relatable.",
           "Ha, love that."],
    "sv": ["Haha, så sant, {p}.", "Åh, {p}!", "Jag förstår precis.", "Det fattar jag.", "Haha, klassiker.", "Rimligt.",
           "Samma här, ärligt talat.", "Haha, ja!", "Okej, fair!", "Eller hur? Precis.", "Haha, jag kan tänka mig.",
           "Mm, det låter vettigt.", "Åh, det är så typiskt dig, {p}.", "Jag vet vad du menar.", "Känner igen det.",
           "Haha, älskar det."],
}
THANKS: dict[Lang, list[str]] = {  # to the partner's reaction to one's news
    "en": ["Thanks, {p}!", "Aww, thank you, {p}.", "Thanks, that means a lot.", "Haha, thanks!",
           "You're the best, {p}."],
    "sv": ["Tack, {p}!", "Åh, tack, {p}.", "Tack, det betyder mycket.", "Haha, tack!", "Du är bäst, {p}."],
}
ANSWER: dict[Lang, list[str]] = {  # to "what's new?"
    "en": ["Not much, honestly, just work and trying to rest.", "Pretty quiet, which I needed.",
           "A bit tired, but good overall.", "Same old, but I'm not complaining.", "Busy! But the good kind of busy.",
           "Trying to take things one day at a time.", "Honestly, a bit all over the place.",
           "Good! Slowly getting on top of things.", "Mostly chores and catching up on sleep.",
           "Up and down, but mostly up.", "Just the usual: work, dinner, sofa.", "Oh, you know, surviving.",
           "Better than last week, at least."],
    "sv": ["Inte så mycket, ärligt talat, mest jobb och vila.", "Ganska lugnt, vilket jag behövde.",
           "Lite trött, men bra på det hela taget.", "Samma gamla vanliga, men jag klagar inte.",
           "Mycket! Men på ett bra sätt.", "Jag försöker ta en dag i taget.", "Ärligt talat lite rörigt.",
           "Bra! Jag börjar få ordning på saker.", "Mest hushållsgrejer och ikappsovning.",
           "Upp och ner, men mest upp.",
           "Det vanliga: jobb, middag, soffa.", "Åh, du vet, jag överlever.", "Bättre än förra veckan i alla fall."],
}
ASK: dict[Lang, list[str]] = {  # hands the turn over
    "en": ["What about you, anything new?", "Enough about me, what's up with you?", "And how are you doing?",
           "What else is new with you?", "Any news on your side?", "How's life treating you?",
           "How's work treating you?", "How are you feeling this week?", "Any plans for the weekend?",
           "How's everyone at home?", "What's been the highlight of your week?", "Are you keeping busy?"],
    "sv": ["Och du då, något nytt?", "Nog om mig, vad händer hos dig?", "Och hur har du det?",
           "Vad mer är nytt med dig?", "Några nyheter hos dig?", "Hur är livet?", "Hur är det på jobbet?",
           "Hur mår du den här veckan?", "Några planer i helgen?", "Hur har alla det hemma?",
           "Vad har varit veckans höjdpunkt?", "Har du mycket för dig?"],
}
NEWS_IN: dict[Lang, list[str]] = {  # before news nobody asked for
    "en": ["Oh, and guess what?", "Anyway, news!", "Oh! I almost forgot to tell you.", "Oh, by the way!", "Okay, so.",
           "", ""],
    "sv": ["Och gissa vad?", "Hur som helst, nyheter!", "Åh! Jag höll på att glömma att berätta.", "Förresten!",
           "Okej, så.", "", ""],
}
ASKED_IN: dict[Lang, list[str]] = {  # before news that answers "what's new?"
    "en": ["Oh, lots, actually!", "Funny you should ask!", "Oh, where do I start!", "", ""],
    "sv": ["Massor, faktiskt!", "Kul att du frågar!", "Åh, var ska jag börja!", "", ""],
}
MOOD: dict[Lang, list[tuple[str, str]]] = {  # a feeling and a supportive answer
    "en": [("I've been trying to slow down and enjoy the small stuff.", "That's such a good mindset."),
           ("Some days I feel like I'm just running from one thing to the next.", "I get that, it's a lot."),
           ("It's been a long week, I'm running on coffee.", "Be kind to yourself this weekend, okay?"),
           ("I've been in such a good mood lately, no idea why.", "Love that, enjoy it!"),
           ("I've been thinking a lot about what I actually want.", "That's healthy, honestly."),
           ("I feel like I've finally got a routine that works.", "That's great, routines are underrated."),
           ("I'm grateful for these chats, you know.", "Me too, they always cheer me up."),
           ("Honestly I'm a bit overwhelmed right now.", "I'm always here if you want to talk."),
           ("The weather has been so grey, I need some sun.", "Same, I'm basically a houseplant."),
           ("I slept ten hours on Sunday and still felt tired.", "Your body probably needed it."),
           ("Did you sleep better this week?", "Slightly, I've stopped looking at my phone in bed."),
           ("Have you been getting outside at all?", "A little, I try to walk at lunch.")],
    "sv": [("Jag har försökt sakta ner och njuta av de små sakerna.", "Vilket bra förhållningssätt."),
           ("Vissa dagar känns det som att jag bara springer från en sak till nästa.", "Jag förstår, det är mycket."),
           ("Det har varit en lång vecka, jag går på kaffe.", "Var snäll mot dig själv i helgen, okej?"),
           ("Jag har varit på så bra humör på sistone, ingen aning varför.", "Älskar det, njut!"),
           ("Jag har funderat mycket på vad jag egentligen vill.", "Det är sunt, ärligt talat."),
           ("Det känns som att jag äntligen har hittat en rutin som funkar.", "Toppen, rutiner är underskattade."),
           ("Jag är tacksam för de här pratstunderna, vet du.", "Jag med, de piggar alltid upp mig."),
           ("Ärligt talat är jag lite överväldigad just nu.", "Jag finns alltid här om du vill prata."),
           ("Det har varit så grått ute, jag behöver sol.", "Samma, jag är i princip en krukväxt."),
           ("Jag sov tio timmar i söndags och var ändå trött.", "Kroppen behövde det nog."),
           ("Har du sovit bättre den här veckan?", "Lite, jag har slutat titta på mobilen i sängen."),
           ("Har du kommit ut något?", "Lite, jag försöker promenera på lunchen.")],
}
TOPIC: dict[str, dict[Lang, list[tuple[str, str]]]] = {  # small talk that shares words with the questions
    "pet": {"en": [("{acq} is fostering kittens now, the flat is chaos.", "Chaos, but adorable chaos."),
                   ("Every dog I pass on my walk to work gets a little hello from me.", "As it should be."),
                   ("Would you ever get a pet, or is it too much responsibility?", "Someday, when life calms down."),
                   ("The vet bills {acq} told me about are terrifying.", "Pets are secretly so expensive."),
                   ("Do you think I'm more of a cat person or a dog person?", "Honestly? Strong dog person energy."),
                   ("A dog at the park stole a whole sandwich out of a man's hand today.", "Ha, dogs have no shame."),
                   ("{acq}'s cat keeps getting stuck on the neighbour's roof.", "Cats are such drama queens."),
                   ("I keep watching videos of shelter animals finding homes, I'm a mess.", "Same, every time."),
                   ("Pet food prices are ridiculous lately.", "Everything is so expensive right now.")],
            "sv": [("{acq} är jourhem för kattungar nu, lägenheten är kaos.", "Kaos, men gulligt kaos."),
                   ("Varenda hund jag går förbi på väg till jobbet får ett litet hej av mig.", "Som det ska vara."),
                   ("Skulle du någonsin skaffa ett husdjur, eller är det för mycket ansvar?",
                    "Någon gång, när livet har lugnat sig."),
                   ("Veterinärräkningarna som {acq} berättade om är skrämmande.", "Djur är i hemlighet så dyra."),
                   ("Tror du att jag är mer kattmänniska eller hundmänniska?", "Ärligt? Väldigt mycket hundmänniska."),
                   ("En hund i parken snodde en hel macka ur handen på en man idag.", "Haha, hundar har ingen skam."),
                   ("{acqs} katt fastnar hela tiden på grannens tak.", "Katter är sådana dramadrottningar."),
                   ("Jag tittar hela tiden på klipp där djur från hemmet får nya familjer, jag blir helt förstörd.",
                    "Samma, varje gång."),
                   ("Djurmat har blivit löjligt dyrt.", "Allt är så dyrt just nu.")]},
    "trip": {"en": [("I've been scrolling holiday photos from {city} instead of working.", "Ha, the dream."),
                    ("Train or plane, if you had to pick one for the rest of your life?", "Train, the views win."),
                    ("My passport expires soon and I keep forgetting to renew it.", "Do it before a trip comes up!"),
                    ("{acq} is planning a month of backpacking, I'm so jealous.", "That sounds amazing."),
                    ("Have you ever been to {city}? Everyone keeps telling me to go.", "Not yet, it's on my list."),
                    ("Flights are so expensive this year, I might just stay home.", "Staycations are underrated."),
                    ("{acq} just got back from {city} and won't stop talking about it.", "Ha, there's always one."),
                    ("I'm terrible at packing, I always bring five jumpers and no socks.", "Classic."),
                    ("Do you prefer beach holidays or city trips?", "Depends, but usually somewhere with good food.")],
             "sv": [("Jag har scrollat semesterbilder från {city} i stället för att jobba.", "Haha, drömmen."),
                    ("Tåg eller flyg, om du bara fick välja ett resten av livet?", "Tåg, utsikten vinner."),
                    ("Mitt pass går ut snart och jag glömmer hela tiden att förnya det.",
                     "Gör det innan en resa dyker upp!"),
                    ("{acq} planerar en månads tågluff, jag är så avundsjuk.", "Det låter fantastiskt."),
                    ("Har du varit i {city} någon gång? Alla tjatar om att jag borde åka.",
                     "Inte än, den står på listan."),
                    ("Flygen är så dyra i år, jag kanske bara stannar hemma.", "Hemester är underskattat."),
                    ("{acq} har precis kommit hem från {city} och pratar inte om något annat.",
                     "Haha, det finns alltid en sådan."),
                    ("Jag är så dålig på att packa, jag tar med fem tröjor och inga strumpor.", "Klassiker."),
                    ("Gillar du strandsemester eller storstad mest?", "Beror på, men oftast ett ställe med god mat.")]},
    "hobby": {"en": [("Do you think everyone has a creative side?", "Yes, some people just haven't found theirs yet."),
                     ("I bought a sketchbook in January and it's still empty.", "There's no deadline!"),
                     ("{acq} makes jewellery and sells it online, so talented.", "Some people are so handy."),
                     ("I wish I had a creative hobby, something to do with my hands.", "You'd be good at that."),
                     ("{acq} sells drawings at the Sunday market now.", "That's so cool."),
                     ("Craft supplies cost a fortune, don't they?", "Right? One trip to the art shop and I'm broke."),
                     ("I tried one of those paint-and-wine evenings once, it was chaos.", "More wine than paint?")],
              "sv": [("Tror du att alla har en kreativ sida?", "Ja, vissa har bara inte hittat sin än."),
                     ("Jag köpte ett skissblock i januari och det är fortfarande tomt.", "Det finns ingen deadline!"),
                     ("{acq} gör smycken och säljer dem på nätet, så begåvad.", "Vissa är så händiga."),
                     ("Jag önskar att jag hade en kreativ hobby, något att göra med händerna.",
                      "Det skulle du vara bra på."),
                     ("{acq} säljer teckningar på söndagsmarknaden nu.", "Vad coolt."),
                     ("Pysselgrejer kostar ju en förmögenhet.",
                      "Eller hur? En tur till konstnärsbutiken och jag är pank."),
                     ("Jag testade en sån där måla-och-vin-kväll en gång, det var kaos.", "Mer vin än målning?")]},
    "music": {"en": [("There's a street musician near my work who plays the same song every day.", "Ha, commitment."),
                     ("Do you listen to music when you work?", "Only without lyrics, otherwise I sing along."),
                     ("{acq} dragged me to a jazz bar, I didn't hate it.", "Jazz grows on you."),
                     ("What have you been listening to lately? I need new music.", "Mostly old stuff, I'm stuck."),
                     ("I can't sing at all, I'm the one who mouths happy birthday.", "Ha, everyone secretly does."),
                     ("Concert tickets cost a fortune now.", "I know, I miss cheap gigs."),
                     ("My neighbour practises the trumpet at seven in the morning.", "A special kind of torture.")],
              "sv": [("Det står en gatumusikant nära jobbet som spelar samma låt varje dag.",
                      "Haha, vilket engagemang."),
                     ("Lyssnar du på musik när du jobbar?", "Bara utan text, annars sjunger jag med."),
                     ("{acq} släpade med mig till en jazzbar, jag hatade det inte.", "Jazz växer på en."),
                     ("Vad har du lyssnat på på sistone? Jag behöver ny musik.", "Mest gamla grejer, jag har fastnat."),
                     ("Jag kan inte sjunga alls, jag är den som mimar på födelsedagar.", "Haha, alla gör det i smyg."),
                     ("Konsertbiljetter kostar skjortan nuförtiden.", "Jag vet, jag saknar billiga spelningar."),
                     ("Min granne övar trumpet klockan sju på morgonen.", "En speciell sorts tortyr.")]},
    "sport": {"en": [("I did a yoga video and I'm sore in places I didn't know existed.", "Yoga is sneaky like that."),
                     ("Do you watch any sports?", "Only the big finals, for the snacks."),
                     ("{acq} cycles forty kilometres to work, I can barely do four.", "That's wild."),
                     ("I keep meaning to exercise more, but the sofa always wins.", "Ha, the sofa is undefeated."),
                     ("My legs are still sore from the stairs at work.", "That's how you know it's working!"),
                     ("{acq} is training for some crazy triathlon.", "Some people are built differently."),
                     ("Do you think running or swimming is better for your back?", "No idea, walking works for me.")],
              "sv": [("Jag gjorde ett yogapass på nätet och har ont på ställen jag inte visste fanns.",
                      "Yoga är lömskt så."),
                     ("Kollar du på någon sport?", "Bara de stora finalerna, för snacksen."),
                     ("{acq} cyklar fyra mil till jobbet, jag klarar knappt fyra kilometer.", "Helt galet."),
                     ("Jag tänker hela tiden att jag ska träna mer, men soffan vinner alltid.", "Soffan är obesegrad."),
                     ("Benen är fortfarande ömma efter trapporna på jobbet.", "Då vet man att det fungerar!"),
                     ("{acq} tränar inför något galet triathlon.", "Vissa är byggda annorlunda."),
                     ("Tror du löpning eller simning är bäst för ryggen?", "Ingen aning, promenader funkar för mig.")]},
    "family": {"en": [("My parents just discovered voice messages, send help.", "Ha, ten a day from now on."),
                      ("Do you get along with your siblings?", "Mostly, now that we don't share a bathroom."),
                      ("My aunt keeps asking when I'm settling down.", "Classic aunt question."),
                      ("My mum called three times today just to ask about the weather.", "Ha, that's sweet really."),
                      ("Family dinners at ours always end in an argument about politics.", "Same, we banned it."),
                      ("I should visit my grandparents more, they're getting older.", "They'd love that."),
                      ("My cousin's kids are so loud, I need a nap after every visit.", "Kids are exhausting.")],
               "sv": [("Mina föräldrar har upptäckt röstmeddelanden, hjälp.", "Haha, nu kommer det tio om dagen."),
                      ("Kommer du överens med dina syskon?", "För det mesta, nu när vi inte delar badrum."),
                      ("Min moster frågar hela tiden när jag ska stadga mig.", "Klassisk mosterfråga."),
                      ("Mamma ringde tre gånger idag bara för att fråga om vädret.",
                       "Haha, det är gulligt egentligen."),
                      ("Familjemiddagar hos oss slutar alltid i politikbråk.", "Samma, vi har förbjudit ämnet."),
                      ("Jag borde hälsa på mina morföräldrar oftare, de börjar bli gamla.", "De skulle älska det."),
                      ("Min kusins barn är så högljudda, jag behöver en tupplur efter varje besök.",
                       "Barn är utmattande.")]},
    "work": {"en": [("Our team has a new manager and everyone is nervous.", "New managers always shake things up."),
                    ("Do you ever check work email on holiday?", "I try not to, I usually fail."),
                    ("{acq} from work is leaving and the farewell card is going round.", "Those cards are so awkward."),
                    ("Work has been nonstop meetings.", "Ugh, meetings that could have been emails."),
                    ("My boss wants everyone back in the office three days a week.", "That's happening everywhere."),
                    ("Sometimes I daydream about quitting and opening a café.", "Honestly, who doesn't?"),
                    ("We got a new coffee machine at work and morale is way up.", "Never underestimate coffee.")],
             "sv": [("Vi har fått en ny chef i teamet och alla är nervösa.", "Nya chefer rör alltid om."),
                    ("Kollar du jobbmejlen på semestern?", "Jag försöker låta bli, det misslyckas oftast."),
                    ("{acq} på jobbet slutar och avskedskortet går runt.", "De korten är alltid så stela."),
                    ("Jobbet har varit möte på möte.", "Usch, möten som kunde ha varit mejl."),
                    ("Chefen vill att alla ska vara på kontoret tre dagar i veckan.", "Det händer överallt."),
                    ("Ibland dagdrömmer jag om att säga upp mig och öppna ett kafé.", "Vem gör inte det?"),
                    ("Vi fick en ny kaffemaskin på jobbet och stämningen har rusat.", "Underskatta aldrig kaffe.")]},
    "home": {"en": [("Our washing machine sounds like a plane taking off.", "Ha, time for a new one?"),
                    ("I finally hung the pictures that were leaning against the wall for a year.", "Big achievement!"),
                    ("Do you like living in the city or would you rather have a garden?", "A garden someday."),
                    ("Our upstairs neighbours were hoovering at midnight again.", "Who hoovers at midnight?!"),
                    ("I want to repaint the living room but I can't pick a colour.", "Go bold, you can change it."),
                    ("Rent went up again, it's getting ridiculous.", "It's awful everywhere."),
                    ("I bought three houseplants and I've already killed one.", "Ha, they're harder than they look.")],
             "sv": [("Vår tvättmaskin låter som ett flygplan som lyfter.", "Haha, dags för en ny?"),
                    ("Jag har äntligen hängt upp tavlorna som stått mot väggen i ett år.", "Stor bedrift!"),
                    ("Gillar du att bo i stan eller skulle du hellre ha en trädgård?", "En trädgård någon gång."),
                    ("Grannarna ovanpå dammsög vid midnatt igen.", "Vem dammsuger vid midnatt?!"),
                    ("Jag vill måla om vardagsrummet men kan inte välja färg.", "Välj något modigt."),
                    ("Hyran har höjts igen, det börjar bli löjligt.", "Det är hemskt överallt."),
                    ("Jag köpte tre krukväxter och har redan tagit livet av en.",
                     "Haha, de är svårare än de ser ut.")]},
    "purchase": {"en": [("My headphones broke, do I really need the expensive ones?",
                         "Only if you use them every day."),
                        ("{acq} bought a massage chair, I'm weirdly tempted.", "Ha, that's a commitment."),
                        ("I returned a jacket for the third time, I can't decide on anything.", "Indecision is real."),
                        ("I keep adding things to my online basket and never buying them.", "Digital window shopping."),
                        ("Fuel prices are crazy, I'm thinking about selling the car.", "Buses are getting better."),
                        ("Should I buy a new laptop or wait for the sales?", "Wait, there's always a sale coming."),
                        ("I spent way too much at the hardware store again.", "Nobody leaves with just one thing.")],
                 "sv": [("Mina hörlurar gick sönder, behöver jag verkligen de dyra?",
                         "Bara om du använder dem varje dag."),
                        ("{acq} köpte en massagestol, jag är konstigt sugen.", "Haha, det är ett åtagande."),
                        ("Jag lämnade tillbaka en jacka för tredje gången, jag kan inte bestämma mig.",
                         "Beslutsångest är på riktigt."),
                        ("Jag lägger hela tiden saker i varukorgen på nätet och köper dem aldrig.",
                         "Digitalt fönstershoppande."),
                        ("Bensinpriserna är galna, jag funderar på att sälja bilen.",
                         "Bussarna blir bättre i alla fall."),
                        ("Ska jag köpa en ny dator eller vänta på rean?", "Vänta, det kommer alltid en rea."),
                        ("Jag handlade för alldeles för mycket på byggvaruhuset igen.",
                         "Ingen går därifrån med en sak.")]},
    "health": {"en": [("I'm trying to drink more water, I've got an app and everything.", "Does it nag you?"),
                      ("Do you ever get headaches from screens?", "Constantly, I need those blue light glasses."),
                      ("{acq} swears by cold showers, I'm not convinced.", "Hard pass for me."),
                      ("I've been sleeping so badly, I wake up at four every night.", "Have you tried no screens?"),
                      ("Everyone at work has a cold right now.", "Stay away from them! Tea and vitamin C."),
                      ("My back hurts from sitting all day.", "A standing desk changed my life."),
                      ("I finally booked a dentist appointment after two years.", "Proud of you, hardest part done.")],
               "sv": [("Jag försöker dricka mer vatten, jag har en app och allt.", "Tjatar den på dig?"),
                      ("Får du någonsin huvudvärk av skärmar?", "Hela tiden, jag behöver sådana blåljusglasögon."),
                      ("{acq} svär vid kalla duschar, jag är inte övertygad.", "Nej tack för min del."),
                      ("Jag har sovit så dåligt, jag vaknar klockan fyra varje natt.",
                       "Har du testat att skippa skärmar?"),
                      ("Alla på jobbet är förkylda just nu.", "Håll dig undan! Te och C-vitamin."),
                      ("Ryggen värker av allt sittande.", "Ett höj- och sänkbart skrivbord ändrade mitt liv."),
                      ("Jag bokade äntligen tid hos tandläkaren efter två år.",
                       "Stolt över dig, det svåraste är gjort.")]},
    "books": {"en": [("Audiobooks count as reading, right?", "Absolutely, don't let anyone tell you otherwise."),
                     ("I have a pile of half-finished novels next to my bed.", "Ha, same, it's a tower now."),
                     ("{acq} reads a book a week, how is that possible?", "No phone, probably."),
                     ("I used to read so much as a kid, now I scroll instead.", "Same, my attention span is gone."),
                     ("Do you prefer paper books or e-readers?", "Paper, I like the smell, is that weird?"),
                     ("{acq} recommended a book to me but I forgot the title.", "Ha, that happens to me all the time."),
                     ("The library near me is closing on Sundays now.", "Libraries deserve so much more funding.")],
              "sv": [("Ljudböcker räknas väl som läsning?", "Absolut, lyssna inte på någon som säger annat."),
                     ("Jag har en hög halvlästa romaner bredvid sängen.", "Haha, samma, det är ett torn nu."),
                     ("{acq} läser en bok i veckan, hur är det ens möjligt?", "Ingen mobil, antagligen."),
                     ("Jag läste så mycket som barn, nu scrollar jag i stället.", "Samma, koncentrationen är borta."),
                     ("Föredrar du pappersböcker eller läsplatta?", "Papper, jag gillar doften, är det konstigt?"),
                     ("{acq} tipsade mig om en bok men jag har glömt vad den heter.", "Haha, det händer mig jämt."),
                     ("Biblioteket nära mig har stängt på söndagar nu.", "Bibliotek förtjänar mer pengar.")]},
    "food": {"en": [("Do you have a dish you always make for guests?", "A big pot of chilli, it never fails."),
                    ("{acq} made homemade pasta and now won't shut up about it.", "Fair, it's impressive."),
                    ("I ate cereal for dinner, don't judge me.", "No judgement, it's a classic."),
                    ("I burned the rice again, how is that even possible?", "Rice is secretly the hardest thing."),
                    ("What's your go-to meal when you're too tired to cook?", "Eggs on toast, every time."),
                    ("There's a new bakery on my street and I have no self-control.", "Dangerous!"),
                    ("I've been trying to eat more vegetables, it's going okay.",
                     "Soup is a good way to sneak them in.")],
             "sv": [("Har du en rätt som du alltid lagar till gäster?", "En stor gryta chili, den funkar alltid."),
                    ("{acq} gjorde egen pasta och pratar inte om annat nu.", "Rimligt, det är imponerande."),
                    ("Jag åt flingor till middag, döm mig inte.", "Ingen dom, det är en klassiker."),
                    ("Jag brände riset igen, hur är det ens möjligt?", "Ris är i hemlighet det svåraste som finns."),
                    ("Vad är din räddning när du är för trött för att laga mat?", "Ägg på macka, varje gång."),
                    ("Det har öppnat ett nytt bageri på min gata och jag har ingen självkontroll.", "Farligt!"),
                    ("Jag försöker äta mer grönsaker, det går sådär.", "Soppa är ett bra sätt att smyga in dem.")]},
    "volunteer": {"en": [("Our neighbourhood is collecting winter coats for the homeless shelter.",
                          "I have a few to give."),
                         ("Do you think companies should give volunteer days?", "Yes, everyone would benefit."),
                         ("{acq} ran a bake sale for the school, it sold out in an hour.", "People love a bake sale."),
                         ("I feel like I should be doing more for other people.",
                          "You already do more than you think."),
                         ("{acq} organises a clothes swap every spring.", "What a lovely idea."),
                         ("There was a charity stall outside the supermarket today.", "Did you buy anything?"),
                         ("Giving blood always makes me faint, but I keep going.", "That's brave of you.")],
                  "sv": [("Vårt kvarter samlar in vinterjackor till härbärget.", "Vad fint, jag har några att ge."),
                         ("Tycker du att företag borde ge volontärdagar?", "Ja, alla skulle vinna på det."),
                         ("{acq} hade en kakförsäljning för skolan, allt tog slut på en timme.",
                          "Folk älskar kakförsäljningar."),
                         ("Jag känner att jag borde göra mer för andra.", "Du gör redan mer än du tror."),
                         ("{acq} ordnar en klädbytardag varje vår.", "Vilken fin idé."),
                         ("Det stod ett insamlingsbord utanför mataffären idag.", "Köpte du något?"),
                         ("Jag blir alltid yr när jag ger blod, men jag fortsätter.", "Vad modigt av dig.")]},
    "friends": {"en": [("Group chats are exhausting, two hundred messages about one dinner.",
                        "And nobody picks a date."),
                       ("Do you keep in touch with people from school?", "A few, the ones who matter."),
                       ("{acq} and I had a long phone call, it felt like old times.", "Those calls are the best."),
                       ("It's so hard to make new friends as an adult.", "So true, everyone's always busy."),
                       ("{acq} cancelled on me again, third time this month.", "Ugh, that's so annoying."),
                       ("I miss the days when we all lived in the same town.", "Me too, group chats aren't the same."),
                       ("We should do a proper catch-up over dinner soon.", "Yes! Let's actually book it.")],
                "sv": [("Gruppchattar är utmattande, tvåhundra meddelanden om en middag.",
                        "Och ingen väljer ett datum ändå."),
                       ("Håller du kontakten med folk från skolan?", "Några, de som betyder något."),
                       ("{acq} och jag pratade i telefon länge, det kändes som förr.", "Sådana samtal är bäst."),
                       ("Det är så svårt att få nya vänner som vuxen.", "Så sant, alla är alltid upptagna."),
                       ("{acq} ställde in igen, tredje gången den här månaden.", "Usch, så irriterande."),
                       ("Jag saknar när vi alla bodde i samma stad.", "Jag med, gruppchattar är inte samma sak."),
                       ("Vi borde ses ordentligt över en middag snart.", "Ja! Vi bokar det på riktigt.")]},
}
# ---------------------------------------------------------------- generation


@dataclass(slots=True)
class Event:
    key: str
    owner: int  # speaker index, 0 or 1
    kind: Kind
    slots: dict[str, str]
    session: int
    prompted: bool  # told in reply to the partner's ask
    plan_session: int | None = None
    follow_session: int | None = None


@dataclass(frozen=True, slots=True)
class Said:
    """What a line leaves the partner to respond to."""

    response: str = ""  # the fitting answer to a statement or a topical question
    asked: bool = False


Line = tuple[int, str, str | None]  # speaker index, utterance, evidence key
Lead = Literal["", "ask", "news"]  # how an event line opens: as it is, or reacting to the line before
Planted = tuple[int, Callable[[Said], str], str | None]  # speaker, the line given the one before, evidence key
Block = list[Planted]  # consecutive lines an event needs


@dataclass(slots=True)
class Conversation:
    """What one conversation needs while it is generated: its rng, speakers and what is said."""

    rng: random.Random
    lang: Lang
    brain: str
    names: list[str]
    topics: list[str] = field(default_factory=list)  # the event groups: small talk is mostly about them
    decks: dict[str, list[int]] = field(default_factory=dict)
    seen: set[str] = field(default_factory=set)  # ingestion keeps one memory per content: no repeats

    def deal(self, deck: str, items: Sequence[T]) -> T:
        """The next of the items in a shuffled deck: none comes again before all have been dealt."""
        if not self.decks.get(deck):
            self.decks[deck] = self.rng.sample(range(len(items)), len(items))
        return items[self.decks[deck].pop()]

    def draw(self, pool: str) -> str:
        return self.deal(pool, POOLS[pool][self.lang])

    def fresh(self, speaker: int, make: Callable[[], str]) -> str:
        """A line this speaker has not said yet in the conversation."""
        for _ in range(50):
            text = sentence_case(" ".join(make().split()))
            if (said := _said(self.names[speaker], text)) not in self.seen:
                self.seen.add(said)
                return text
        raise RuntimeError(f"{self.brain}: {self.names[speaker]} keeps repeating {text!r}")


def _said(name: str, text: str) -> str:
    return " ".join(f"{name}: {text}".lower().split())


def possessive(lang: Lang, name: str) -> str:
    if lang == "en":
        return f"{name}'s"
    return name if name[-1] in "sxz" else f"{name}s"


def sentence_case(text: str) -> str:
    return re.sub(r"(^|[.!?]\s+)([a-zåäö])", lambda m: m.group(1) + m.group(2).upper(), text)


def compose(rng: random.Random, parts: Parts) -> str:
    return " ".join(choice for choice in (rng.choice(part) for part in parts) if choice)


def _fill(template: str, values: dict[str, str]) -> str:
    return sentence_case(template.format(**values))


def _values(conv: Conversation, event: Event) -> dict[str, str]:
    owner, partner = conv.names[event.owner], conv.names[1 - event.owner]
    values = {"o": owner, "os": possessive(conv.lang, owner), "p": partner, **event.slots}
    values |= {f"{k}s": possessive(conv.lang, v) for k, v in event.slots.items()}
    return values


def _events(conv: Conversation, sessions: int) -> list[Event]:
    """Per speaker, a few life areas with 2-3 events each: the multi questions ask across them."""
    rng, events = conv.rng, []
    for owner in (0, 1):
        for group in rng.sample(sorted(MULTI), GROUPS_PER_SPEAKER):
            kinds = [k for k in KINDS if k.group == group]
            for kind in rng.sample(kinds, min(len(kinds), rng.randint(2, 3))):
                events.append(_event(conv, f"e{len(events)}", owner, kind, sessions))
    return events


def _event(conv: Conversation, key: str, owner: int, kind: Kind, sessions: int) -> Event:
    rng = conv.rng
    text = getattr(kind, conv.lang)
    slots = {name: conv.draw(pool) for name, pool in zip(("x", "y"), kind.slots, strict=False)}
    slots["ago"] = rng.choice(AGO[conv.lang])
    prompted = rng.random() < 0.55
    # An ask presumes the plan when there is one ("How did the race go?"): then the plan comes first.
    session = rng.randint(1 if prompted and text.plan else 0, sessions - 1)
    event = Event(key, owner, kind, slots, session, prompted)
    if text.plan and session > 0 and (prompted or rng.random() < 0.5):
        event.plan_session = rng.randint(max(0, session - 6), session - 1)
    if text.follow and session < sessions - 1 and rng.random() < 0.6:
        event.follow_session = rng.randint(session + 1, min(sessions - 1, session + 6))
    return event


def _event_blocks(conv: Conversation, events: list[Event], sessions: int) -> list[list[Block]]:
    """Per session, the exchanges the events need; the partner reacts to each."""
    blocks: list[list[Block]] = [[] for _ in range(sessions)]
    lang = conv.lang
    for event in events:
        text, values, key = getattr(event.kind, lang), _values(conv, event), event.key
        o, p = event.owner, 1 - event.owner
        if event.prompted:
            tell = [_told(conv, p, "ask", _fill(text.ask, values), f"{key}:ask"),
                    _told(conv, o, "", _fill(text.reply, values), f"{key}:tell")]
        else:
            tell = [_told(conv, o, "news", _fill(text.news, values), f"{key}:tell")]
        blocks[event.session].append([*tell, _reaction(conv, p, SYMPATHY[lang] if event.kind.sad else CHEER[lang])])
        if event.plan_session is not None:
            blocks[event.plan_session].append(
                [_told(conv, o, "news", _fill(text.plan, values), f"{key}:plan"), _reaction(conv, p, ENCOURAGE[lang])])
        if event.follow_session is not None:
            blocks[event.follow_session].append(
                [_told(conv, o, "news", _fill(text.follow, values), f"{key}:follow"), _reaction(conv, p, AMUSED[lang])])
    return blocks


def _told(conv: Conversation, speaker: int, lead: Lead, text: str, key: str) -> Planted:
    return speaker, lambda before: f"{_opening(conv, speaker, before, lead) if lead else ''} {text}", key


def _reaction(conv: Conversation, speaker: int, parts: Parts) -> Planted:
    return speaker, lambda _: compose(conv.rng, parts).format(p=conv.names[1 - speaker]), None


def _ack(conv: Conversation, speaker: int) -> str:
    return conv.deal("ack", ACK[conv.lang]).format(p=conv.names[1 - speaker])


def _opening(conv: Conversation, speaker: int, before: Said, lead: Lead) -> str:
    """How a line picks up the one before: answers it, reacts to it, or (news) just starts."""
    rng, lang = conv.rng, conv.lang
    if lead == "news" and before.asked and not before.response:
        return rng.choice(ASKED_IN[lang])
    if before.response and (before.asked or rng.random() < 0.9):
        reply = before.response
    elif before.asked:
        reply = conv.deal("answer", ANSWER[lang])
    else:
        reply = _ack(conv, speaker) if rng.random() < 0.6 else ""
    return f"{reply} {rng.choice(NEWS_IN[lang])}" if lead == "news" else reply


def _content(conv: Conversation, ask: bool) -> tuple[str, Said]:
    """Something new to say: mostly on the conversation's own topics, with what fits as an answer."""
    rng, lang = conv.rng, conv.lang
    roll = rng.random()
    if ask or roll < 0.15:
        return conv.deal("ask", ASK[lang]), Said(asked=True)
    if roll < 0.75:
        group = rng.choice(conv.topics) if rng.random() < 0.75 else rng.choice(sorted(TOPIC))
        acquaintance = rng.choice(ACQUAINTANCES[lang])
        said, response = conv.deal(f"topic:{group}", TOPIC[group][lang])
        said = said.format(acq=acquaintance, acqs=possessive(lang, acquaintance), city=rng.choice(POOLS["city"][lang]))
    else:
        said, response = conv.deal("mood", MOOD[lang])
    return said, Said(response, said.endswith("?"))


def _chatter(conv: Conversation, speaker: int, before: Said, ask: bool = False) -> tuple[Line, Said]:
    """A small-talk line: picks up the line before, then often says something new or asks."""
    said = Said()

    def make() -> str:
        nonlocal said
        opening = _opening(conv, speaker, before, "")
        if not ask and opening and (before.response or before.asked) and conv.rng.random() < 0.3:
            said = Said()
            return opening  # just an answer: the partner goes on
        content, said = _content(conv, ask)
        if not said.asked and conv.rng.random() < 0.3:
            content, said = f"{content} {conv.deal('ask', ASK[conv.lang])}", Said(asked=True)
        return f"{opening} {content}"

    return (speaker, conv.fresh(speaker, make), None), said


def _planted(conv: Conversation, line: Planted, before: Said) -> Line:
    speaker, make, key = line
    return speaker, conv.fresh(speaker, lambda: make(before)), key


def _session_lines(conv: Conversation, blocks: list[Block], size: int) -> list[Line]:
    """Greeting, small talk with the event exchanges at random places, goodbye; speakers alternate."""
    rng, lang = conv.rng, conv.lang
    first = rng.randint(0, 1)
    lines: list[Line] = [(first, conv.fresh(first, lambda: compose(rng, GREET[lang]).format(p=conv.names[1 - first])),
                          None)]
    lines.append((1 - first, conv.fresh(1 - first, lambda: compose(rng, GREET_BACK[lang]).format(p=conv.names[first])),
                  None))
    before = Said()
    pending = rng.sample(blocks, len(blocks))
    budget = size - 4 - sum(map(len, blocks))
    while pending or budget > 0:
        speaker = 1 - lines[-1][0]
        if pending and (budget <= 0 or rng.random() < len(pending) / (len(pending) + budget / 2)):
            block = pending.pop()
            if block[0][0] != speaker:  # hand the turn over first
                line, before = _chatter(conv, speaker, before, ask=True)
                lines.append(line)
                budget -= 1
            for planted in block:
                lines.append(_planted(conv, planted, before))
                before = Said(asked=lines[-1][1].endswith("?"))
            before = Said(conv.deal("thanks", THANKS[lang]).format(p=conv.names[lines[-1][0]]))
        else:
            line, before = _chatter(conv, speaker, before)
            lines.append(line)
            budget -= 1
    last = 1 - lines[-1][0]
    lines.append((last, conv.fresh(last, lambda: compose(rng, CLOSE[lang])), None))
    lines.append((1 - last, conv.fresh(1 - last, lambda: compose(rng, CLOSE_BACK[lang]).format(p=conv.names[last])),
                  None))
    return lines


def _conversation(rng: random.Random, brain: str, lang: Lang, names: list[str]) -> tuple[list[Turn], list[Question]]:
    conv = Conversation(rng, lang, brain, names)
    sessions = rng.randint(15, 20)
    events = _events(conv, sessions)
    conv.topics = sorted({e.kind.group for e in events})
    blocks = _event_blocks(conv, events, sessions)
    turns: list[Turn] = []
    ids: dict[str, str] = {}
    day = 0
    for k, session_blocks in enumerate(blocks):
        day += rng.randint(4, 24) if k else 0
        at = START + timedelta(days=day, hours=rng.randint(8, 20), minutes=rng.randint(0, 59))
        for i, (speaker, text, key) in enumerate(_session_lines(conv, session_blocks, rng.randint(16, 30))):
            at += timedelta(minutes=rng.randint(1, 4))
            turn_id = f"{brain}:s{k:02d}:t{i:02d}"
            name = names[speaker]
            turns.append(Turn(turn_id, brain, f"{name}: {text}", at.timestamp(),
                              {"timestamp": int(at.timestamp()), "speaker": name, "session": k}))
            if key is not None:
                ids[key] = turn_id
    return turns, _questions(conv, events, ids)


def _questions(conv: Conversation, events: list[Event], ids: dict[str, str]) -> list[Question]:
    """Every question the events allow, then a LoCoMo-like mix of them."""
    lang, brain = conv.lang, conv.brain
    # Two kinds of multi: across a speaker's events of a life area, and an event with its follow-up.
    pools: dict[str, list[Question]] = {c: [] for c in (*CATEGORIES, "arc")}

    def ask(category: Category, template: str, values: dict[str, str], keys: list[str], pool: str = "") -> None:
        pools[pool or category].append(Question(brain, _fill(template, values), [ids[k] for k in keys], category, lang))

    for event in events:
        text, values = getattr(event.kind, lang), _values(conv, event)
        told = [f"{event.key}:ask"] if event.prompted and event.kind.pair else []
        told.append(f"{event.key}:tell")
        ask("single", text.single, values, told)
        ask("temporal", text.when, values, told)
        if event.follow_session is not None and text.follow_q:
            ask("single", text.follow_q, values, [f"{event.key}:follow"])
        if event.follow_session is not None and text.arc:
            ask("multi", text.arc, values, [f"{event.key}:tell", f"{event.key}:follow"], pool="arc")
        if text.open:
            planned = [f"{event.key}:plan"] if event.plan_session is not None else []
            ask("open", text.open, values, [f"{event.key}:tell", *planned])
    for owner in (0, 1):
        name = conv.names[owner]
        for group in MULTI:
            told = [f"{e.key}:tell" for e in events if e.owner == owner and e.kind.group == group]
            if len(told) >= 2:
                ask("multi", MULTI[group][lang], {"o": name, "os": possessive(lang, name)}, told)
    return _mix(conv.rng, pools)


def _mix(rng: random.Random, pools: dict[str, list[Question]]) -> list[Question]:
    """About half single, a fifth multi (half of them follow-up arcs), a fifth temporal, a tenth open."""
    total = rng.randint(44, 56)
    quota = {c: round(share * total) for c, share in SHARE.items()}
    quota["arc"] = min(len(pools["arc"]), quota["multi"] // 2)
    quota["multi"] -= quota["arc"]
    quota = {pool: min(len(pools[pool]), n) for pool, n in quota.items()}
    quota["single"] = min(len(pools["single"]), total - sum(quota.values()))
    return [q for pool in (*CATEGORIES, "arc") for q in rng.sample(pools[pool], quota.get(pool, 0))]


def generate(conversations: int = 8, seed: int = 7) -> tuple[list[Turn], list[Question]]:
    """Conversations alternate English and Swedish; no two of a language share a speaker while names last."""
    rng = random.Random(seed)
    speakers: dict[Lang, list[str]] = {"en": [], "sv": []}
    turns: list[Turn] = []
    questions: list[Question] = []
    for index in range(conversations):
        lang: Lang = "en" if index % 2 == 0 else "sv"
        if len(speakers[lang]) < 2:
            speakers[lang] = rng.sample(SPEAKERS[lang], len(SPEAKERS[lang]))
        names = [speakers[lang].pop(), speakers[lang].pop()]
        conversation_turns, conversation_questions = _conversation(rng, f"dlg-{index}", lang, names)
        turns += conversation_turns
        questions += conversation_questions
    return turns, questions


# ---------------------------------------------------------------- running


@dataclass(frozen=True, slots=True)
class Outcome:
    question: Question
    rankings: dict[str, list[str]]  # method -> ids of its top K


@dataclass(frozen=True, slots=True)
class Evaluation:
    outcomes: list[Outcome]
    stored: int
    ingest_seconds: float
    query_seconds: float


async def evaluate(turns: list[Turn], questions: list[Question]) -> Evaluation:
    """Ingests the turns into a throwaway Chroma and asks every question of both methods."""
    embedder = LocalEmbedder()
    try:
        with tempfile.TemporaryDirectory(prefix="lumia-dialogues-") as directory:
            store = MemoryStore(open_chroma(None, Path(directory)), embedder.name)
            clock = time.perf_counter()
            await ingest(Ingestor(store, embedder), turns)
            ingest_seconds = time.perf_counter() - clock
            stored = sum([await store.count(b) for b in sorted({t.brain for t in turns})])
            clock = time.perf_counter()
            outcomes = await ask_all(store, embedder, questions, last_said(turns))
            return Evaluation(outcomes, stored, ingest_seconds, time.perf_counter() - clock)
    finally:
        embedder.close()


async def ingest(ingestor: Ingestor, turns: list[Turn]) -> None:
    await write_in_batches(ingestor, [MemoryItem(id=t.id, brain=t.brain, content=t.content, kind="turn",
                                                 created_at=t.created_at, metadata=dict(t.metadata)) for t in turns])


def last_said(turns: list[Turn]) -> dict[str, float]:
    last: dict[str, float] = {}
    for t in turns:
        last[t.brain] = max(last.get(t.brain, 0.0), t.created_at)
    return last


async def ask_all(store: MemoryStore, embedder: LocalEmbedder, questions: list[Question],
                  last: dict[str, float]) -> list[Outcome]:
    now = [0.0]
    # Questions are asked a day after the conversation's last session, as in LoCoMo.
    retriever = Retriever(store, embedder, keywords=KeywordCache(), min_score=0.0, clock=lambda: now[0])
    outcomes: list[Outcome] = []
    for q in questions:
        vector = await embedder.query(q.question)
        plain = await store.search(PLAIN + q.brain, vector, K, None)
        now[0] = last[q.brain] + DAY
        reply = await retriever.query(QueryRequest(brain=q.brain, question=q.question, n_results=K))
        outcomes.append(Outcome(q, {"vector": [m.id for m in plain], "hybrid": [h.id for h in reply.results]}))
    return outcomes


# ---------------------------------------------------------------- metrics


def recall(outcomes: list[Outcome], method: str) -> float:
    """Mean over questions of the share of their evidence in the top K, as LoCoMo's retrieval recall."""
    shares = [len(set(o.question.evidence_ids) & set(o.rankings[method])) / len(o.question.evidence_ids)
              for o in outcomes]
    return sum(shares) / len(shares) if shares else float("nan")


def mrr(outcomes: list[Outcome], method: str) -> float:
    """Mean reciprocal rank of the first evidence turn found, 0 when none is in the top K."""
    def reciprocal(o: Outcome) -> float:
        ids = o.rankings[method]
        return next((1 / (rank + 1) for rank, i in enumerate(ids) if i in o.question.evidence_ids), 0.0)

    return sum(map(reciprocal, outcomes)) / len(outcomes) if outcomes else float("nan")


# ---------------------------------------------------------------- report


def table(outcomes: list[Outcome]) -> list[str]:
    groups: list[tuple[str, list[Outcome]]] = [("all", outcomes)]
    groups += [(c, [o for o in outcomes if o.question.category == c]) for c in CATEGORIES]
    groups += [(f"lang={lang}", [o for o in outcomes if o.question.lang == lang]) for lang in ("en", "sv")]
    header = (f"{'group':<10}{'n':>5}  {'R@10 vec':>8} {'R@10 hyb':>8} {'hyb/vec':>7}  "
              f"{'MRR vec':>7} {'MRR hyb':>7} {'hyb/vec':>7}")
    lines = [header, "-" * len(header)]
    for name, group in groups:
        rv, rh = recall(group, "vector"), recall(group, "hybrid")
        mv, mh = mrr(group, "vector"), mrr(group, "hybrid")
        lines.append(f"{name:<10}{len(group):>5}  {rv:8.3f} {rh:8.3f} {ratio(rh, rv):>7}  "
                     f"{mv:7.3f} {mh:7.3f} {ratio(mh, mv):>7}")
    return lines


def counts(turns: list[Turn], questions: list[Question], seed: int) -> str:
    brains = sorted({t.brain for t in turns})
    sizes = [sum(t.brain == b for t in turns) for b in brains]
    sessions = [len({t.metadata["session"] for t in turns if t.brain == b}) for b in brains]
    per_category = ", ".join(f"{c} {sum(q.category == c for q in questions)}" for c in CATEGORIES)
    return (f"data: {len(brains)} conversations ({min(sessions)}-{max(sessions)} sessions, "
            f"{min(sizes)}-{max(sizes)} turns each), {len(turns)} turns, {len(questions)} questions "
            f"({per_category}), seed {seed}")


def samples(outcomes: list[Outcome], turns: list[Turn], seed: int) -> list[str]:
    """One question of three categories, with its evidence, for a human to judge the realism."""
    rng, by_id = random.Random(seed), {t.id: t for t in turns}
    lines: list[str] = []
    for category in rng.sample(CATEGORIES, 3):
        o = rng.choice([o for o in outcomes if o.question.category == category])
        found = {m: len(set(o.question.evidence_ids) & set(o.rankings[m])) for m in METHODS}
        lines.append(f"[{o.question.lang} {category}] {o.question.question}   "
                     f"(evidence in top {K}: vector {found['vector']}, hybrid {found['hybrid']} "
                     f"of {len(o.question.evidence_ids)})")
        for evidence in o.question.evidence_ids:
            turn = by_id[evidence]
            day = datetime.fromtimestamp(turn.created_at, UTC).strftime("%Y-%m-%d")
            lines.append(f"    {evidence} ({day}) {turn.content}")
    return lines


# ---------------------------------------------------------------- main


async def run(conversations: int, seed: int, speaker: str = "prefix") -> None:
    started = time.perf_counter()
    turns, questions = generate(conversations, seed)
    if speaker != "prefix":
        # Other ways to hand Lumia a dialogue: the words alone, who said them in `speaker` or nowhere.
        turns = [replace(t, content=t.content.split(": ", 1)[1],
                         metadata=t.metadata if speaker == "metadata"
                         else {k: v for k, v in t.metadata.items() if k != "speaker"}) for t in turns]
        where = "in metadata" if speaker == "metadata" else "nowhere"
        print(f"turns stored without the speaker's name in front (it is {where})")
    print(counts(turns, questions, seed))
    result = await evaluate(turns, questions)
    print(f"ingest: {result.stored}/{len(turns)} turns stored twice (in context, and plain) in "
          f"{result.ingest_seconds:.1f}s")
    print(f"queries: {len(questions)} x {len(METHODS)} methods in {result.query_seconds:.1f}s\n")
    print("\n".join(table(result.outcomes)))
    print()
    print("\n".join(samples(result.outcomes, turns, seed)))
    print(f"\ntotal {time.perf_counter() - started:.1f}s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conversations", type=int, default=8)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="2 conversations")
    parser.add_argument("--speaker", choices=("prefix", "metadata", "none"), default="prefix",
                        help="who said a turn: 'Name: ' in front of its words (default), only in metadata "
                             "`speaker`, or nowhere")
    args = parser.parse_args()
    asyncio.run(run(2 if args.quick else args.conversations, args.seed, args.speaker))


if __name__ == "__main__":
    main()
