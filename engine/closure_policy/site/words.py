"""The words of the pages themselves (headings, labels), by language; the rules bring their own texts."""
from __future__ import annotations

LANGUAGE_NAMES = {"en": "English", "zh": "中文", "fr": "Français", "de": "Deutsch", "es": "Español", "ja": "日本語"}

_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "queries": "Questions", "facts": "Facts document", "lifecycle": "Lifecycle", "search": "Search",
        "outcomes": "Outcomes", "default": "default", "on_violation": "when a rule is violated",
        "checklist": "Checklist", "other_rules": "Other rules", "violated_when": "Violated when",
        "article": "From the article", "reading": "Reading of the article", "message": "Message",
        "remediation": "What to do", "only_when": "only when", "cases": "Test cases",
        "fired_in": "violated in", "held_in": "held in", "coverage": "Coverage",
        "fired": "seen violated", "not_fired": "seen holding", "comparisons": "comparisons seen both ways",
        "conditions": "Named conditions", "field": "Field", "type": "Type", "required": "Required",
        "description": "Description", "example": "Example", "yes": "yes", "no": "no",
        "events": "Events", "event": "Event", "does": "What it does", "transitions": "Transitions",
        "from": "from", "to": "to", "when": "when", "final": "final", "start": "start",
        "keeps": "A final state keeps", "rules": "rules", "rule": "rule", "none_found": "Nothing found.",
        "cases_none": "No test case violates this rule.", "home": "Overview", "language": "Language",
        "revision": "Policy revision", "case_count": "{n} test cases",
        "playground": "Playground", "api": "API", "question": "Question", "start_from": "Start from",
        "copy_link": "Copy link", "link_copied": "Link copied", "decision": "Decision",
        "trace": "Evaluation trace", "violated": "violated", "holds": "holds", "line": "line {n}",
        "under_not": "(under not)", "facts_label": "facts document (JSON)", "example_files": "Examples",
        "suite_cases": "Test cases",
    },
    "zh": {
        "queries": "问题", "facts": "事实文档", "lifecycle": "生命周期", "search": "搜索",
        "outcomes": "结果", "default": "默认", "on_violation": "违反规则时",
        "checklist": "检查清单", "other_rules": "其他规则", "violated_when": "违反条件",
        "article": "原文", "reading": "对原文的解读", "message": "消息",
        "remediation": "处理方法", "only_when": "仅当", "cases": "测试用例",
        "fired_in": "违反于", "held_in": "成立于", "coverage": "覆盖率",
        "fired": "见到违反", "not_fired": "见到成立", "comparisons": "双向见到的比较",
        "conditions": "命名条件", "field": "字段", "type": "类型", "required": "必填",
        "description": "说明", "example": "示例", "yes": "是", "no": "否",
        "events": "事件", "event": "事件", "does": "作用", "transitions": "状态转换",
        "from": "从", "to": "到", "when": "条件", "final": "终态", "start": "初始",
        "keeps": "终态保留", "rules": "规则", "rule": "规则", "none_found": "没有找到。",
        "cases_none": "没有测试用例违反此规则。", "home": "概览", "language": "语言",
        "revision": "策略版本", "case_count": "{n} 个测试用例",
        "playground": "试验场", "api": "API", "question": "问题", "start_from": "起始文档",
        "copy_link": "复制链接", "link_copied": "链接已复制", "decision": "决定",
        "trace": "评估过程", "violated": "违反", "holds": "成立", "line": "第 {n} 行",
        "under_not": "（在否定之下）", "facts_label": "事实文档（JSON）", "example_files": "示例",
        "suite_cases": "测试用例",
    },
}


def words(lang: str) -> dict[str, str]:
    """The page words of ``lang``; English for a language this table lacks (and for any word it lacks)."""
    return {**_WORDS["en"], **_WORDS.get(lang, {})}


def language_name(lang: str) -> str:
    return LANGUAGE_NAMES.get(lang, lang)
