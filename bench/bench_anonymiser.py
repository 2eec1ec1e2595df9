"""The publication gate against its three budgets: no leak, little over-redaction, speed.

Leaks and over-redaction are measured on the labelled corpus under tests/unit/anonymiser/
(every must-remove string by kind, every must-keep fact); throughput on generated narratives
of ~400 characters on one core, since staff publish needs in batches and the bulk CLI
re-checks every published need after a rule change. Exits 1 when a budget is missed. Run
from the repository root:

    .venv/bin/python bench/bench_anonymiser.py
"""

from __future__ import annotations

import json
import random
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from stdnum import luhn

from matching.anonymiser import FieldKind, GateContext, Known, anonymise, gate, warm_up
from matching.anonymiser.text import id_check_character

BUDGET = 200.0  # narratives per second
LEAK_BUDGET = 0  # must-remove strings found in the public text
OVER_REDACTION_BUDGET = 0.02  # share of must-keep facts lost
COUNT = 1000
CORPUS = Path(__file__).resolve().parents[1] / "tests" / "unit" / "anonymiser"

_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁"
)
_GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华慧巧美淑惠珠翠雅芝玉萍红娥玲芬芳燕彩春菊"
    "兰凤洁梅琳素云莲真环雪荣爱妹霞香月莺媛艳瑞凡佳嘉琼勤珍贞莉桂娣叶璧璐娅琦晶妍茜秋"
    "珊莎锦黛青倩婷姣婉娴瑾颖露瑶怡婵雁蓓纨仪荷丹蓉眉君琴蕊薇菁梦岚苑婕馨瑗琰韵融园艺"
    "咏卿聪澜纯毓悦昭冰爽琬茗羽希宁欣飘育滢馥筠柔竹霭凝晓欢霄枫芸菲寒伊亚宜可姬舒影荔"
    "枝思丽"
)
_PLACES = [
    ("天津市滨海新区", "塘沽街道", "天津医科大学总医院", "津民发〔2021〕12号"),
    ("重庆市江北区", "观音桥街道", "重庆医科大学附属儿童医院", "渝府办发〔2022〕5号"),
    ("泰安市泰山区", "岱庙街道", "泰安市中心医院", "泰政办发〔2020〕8号"),
]
_ILLNESS = ["尿毒症", "白血病", "脑瘫", "乳腺癌", "肝硬化", "脑出血后遗症", "再生障碍性贫血"]
_ESTATES = ["幸福", "阳光", "金色家园", "翠湖", "和谐", "锦绣", "滨江", "新港", "东岳"]


def _person(rng: random.Random) -> str:
    return rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2))))


def _id_number(rng: random.Random) -> str:
    body = f"{rng.choice(('120116', '500105', '370902'))}{rng.randint(1950, 2010)}"
    body += f"{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}"
    return body + id_check_character(body + "0")


def _card(rng: random.Random) -> str:
    body = "622848" + "".join(str(rng.randint(0, 9)) for _ in range(12))
    return body + luhn.calc_check_digit(body)


def narrative(rng: random.Random) -> tuple[str, Known]:
    """One referral narrative of about 400 characters with its case record's identifiers.

    Besides what the record knows (the household), it names a neighbour, a landline and a bank
    card the record does not hold, so the detectors do their full work too.
    """
    head, spouse, child, neighbour = (_person(rng) for _ in range(4))
    district, street, hospital, policy = rng.choice(_PLACES)
    illness = rng.choice(_ILLNESS)
    id_number = _id_number(rng)
    phone = f"1{rng.choice('3578')}{rng.randint(0, 999999999):09d}"
    estate = f"{rng.choice(_ESTATES)}小区{rng.randint(1, 30)}号楼"
    flat = f"{rng.randint(1, 6)}单元{rng.randint(1, 30)}0{rng.randint(1, 4)}室"
    address = f"{district}{street}{estate}{flat}"
    spaced_phone = f"{phone[:3]} {phone[3:7]} {phone[7:]}"
    cost = f"{rng.randint(5, 40)}.{rng.randint(1, 9)}万元"
    own_share, income = rng.randint(10000, 90000), rng.randint(800, 2500)
    grant, landline = rng.randint(2000, 8000), f"0{rng.randint(21, 23)}-{rng.randint(2, 9)}7654321"
    text = (
        f"申请人{head}，{rng.choice('男女')}，身份证号{id_number}，现年{rng.randint(30, 70)}岁，"
        f"户籍地{district}{street}，现住{address}。{rng.randint(2015, 2023)}年确诊{illness}，"
        f"先后在{hospital}住院治疗{rng.randint(2, 9)}次，累计医疗费用{cost}，"
        f"医保报销后个人自付{own_share}元。配偶{spouse}因照顾病人无法外出务工，"
        f"家庭月收入仅{income}元。其子{child}在当地中学读初{rng.choice('一二三')}，成绩优秀。"
        f"该户{rng.randint(2018, 2023)}年纳入低保，已享受临时救助{grant}元，"
        f"依据{policy}文件给予{rng.randint(2, 6)}个月救助。目前仍有困难，需要医疗费用和助学帮扶。"
        f"联系电话{spaced_phone}，{head[0]}先生表示愿意配合回访。邻居{neighbour}平时帮忙照看，"
        f"社区座机{landline}。社区网格员已入户核实，情况属实，建议转介慈善组织给予帮扶，"
        f"帮扶期限{rng.randint(3, 12)}个月，第{rng.randint(1, 4)}期。"
        f"家中另有{rng.randint(70, 90)}岁老人一名，长期卧床，需要照料服务。"
        f"善款可汇入银行卡{_card(rng)}。"
    )
    known = Known(
        names=(head, spouse, child), id_numbers=(id_number,), phones=(phone,), addresses=(address,)
    )
    return text, known


def _corpus() -> list[dict[str, object]]:
    files = [CORPUS / "corpus.jsonl", *sorted((CORPUS / "corpora").glob("*.jsonl"))]
    return [
        json.loads(line)
        for path in files
        for line in path.read_text("utf-8").splitlines()
        if line.strip()
    ]


def quality() -> bool:
    """Leak rate by kind and over-redaction rate on the labelled corpus."""
    entries = _corpus()
    total: Counter[str] = Counter()
    leaked: Counter[str] = Counter()
    kept = lost = 0
    for entry in entries:
        context = GateContext(known=Known.from_dict(entry["known"]))  # type: ignore[arg-type]
        field = FieldKind(str(entry.get("field", "narrative")))
        public = gate(str(entry["text"]), context, field).text
        remove = entry["remove"]
        pairs = (
            [(kind, value) for kind, values in remove.items() for value in values]
            if isinstance(remove, dict)
            else [("unlabelled", value) for value in remove]  # type: ignore[attr-defined]
        )
        for kind, value in pairs:
            total[kind] += 1
            leaked[kind] += value in public
        keep = list(entry["keep"])  # type: ignore[call-overload]
        kept += len(keep)
        lost += sum(value not in public for value in keep)
    print(f"corpus: {len(entries)} narratives, {sum(total.values())} identifiers, {kept} facts")
    for kind in sorted(total, key=lambda k: -total[k]):
        share = leaked[kind] / total[kind]
        print(f"  leaks {kind:<12} {leaked[kind]:>3} of {total[kind]:>4} = {share:.2%}")
    leaks = sum(leaked.values())
    rate = lost / kept if kept else 0.0
    print(
        f"leaks: {leaks} (budget {LEAK_BUDGET}); over-redaction: {lost} of {kept} facts = "
        f"{rate:.2%} (budget <= {OVER_REDACTION_BUDGET:.0%})"
    )
    return leaks <= LEAK_BUDGET and rate <= OVER_REDACTION_BUDGET


def main() -> int:
    good = quality()
    rng = random.Random(20240501)
    cases = [narrative(rng) for _ in range(COUNT)]
    warm_up()
    for text, known in cases[:20]:
        anonymise(text, known)
    started, cpu_started = time.perf_counter(), time.process_time()
    for text, known in cases:
        anonymise(text, known)
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    # The budget is per core: CPU time is what this process spent, whatever else the machine
    # (shared with other jobs) was doing; the wall-clock rate is printed beside it.
    rate = COUNT / cpu
    size = sum(len(text) for text, _ in cases) // COUNT
    print(
        f"anonymiser: {COUNT} narratives of ~{size} chars in {cpu:.2f} s of CPU = {rate:.0f} "
        f"narratives/s on one core (budget >= {BUDGET:.0f}/s); wall clock {elapsed:.2f} s = "
        f"{COUNT / elapsed:.0f}/s"
    )
    return 0 if good and rate >= BUDGET else 1


if __name__ == "__main__":
    sys.exit(main())
