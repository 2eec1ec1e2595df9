"""piccolo-admin's interface in Chinese.

piccolo-admin translates part of its interface (``$t(...)``, ``SIMPLIFIED_CHINESE``), but its
compiled JavaScript also carries English of its own: messages ("The form has errors."),
choices ("True", "All"), tooltips, filter operators, the error list ("role field - …"), and it
names each table by its SQL name ("app user"). This module rewrites those words in the bundle
once, when the app starts, and the gate serves the rewritten copy in place of the original.

Each rewrite names the exact text it replaces and how often that text occurs; if piccolo-admin
is upgraded and a text has moved, the app refuses to start (``BundleChanged``) instead of
showing English, and ``tests/unit/test_admin_l10n.py`` says which rewrite to look at.

Besides words, three behaviours are changed the same way:
* a form field whose JSON schema has ``format: password`` is a password input (piccolo-admin
  shows every text field as plain text), and custom forms offer ``extra.choices`` as a select;
* timestamps are shown in Beijing time (piccolo-admin defaults to UTC), the time-zone choices
  are Beijing time and UTC rather than 600 IANA names, and a list cell shows a timestamp as
  "2025-03-01 09:30" rather than ISO 8601;
* the error list shows each message as the server wrote it (already in Chinese, naming its
  field), whatever the status.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import piccolo_admin

DIST = Path(piccolo_admin.__file__).parent / "dist"


class BundleChanged(RuntimeError):
    """piccolo-admin's bundle no longer holds a text this module rewrites."""


@dataclass(frozen=True)
class Rewrite:
    old: str
    new: str
    count: int = 1
    #: ``old`` is a regular expression (``new`` may use its groups).
    pattern: bool = False


def _said(english: str, chinese: str, count: int = 1) -> Rewrite:
    """A JavaScript string literal, double-quoted."""
    return Rewrite(f'"{english}"', f'"{chinese}"', count)


#: Code the bundle starts with: the lookups the rewrites below call.
PRELUDE = (
    "const __aidbridgeTables={tables};"
    "const __aidbridgeColumn=(s,m)=>s&&(s.properties[m]?s.properties[m].title:"
    "m==s.extra.primary_key_name&&s.extra.primary_key_title)||m;"
    'const __aidbridgeZones={{"Asia/Shanghai":"北京时间","UTC":"世界标准时间"}};'
    'const __aidbridgeMatches={{contains:"包含",exact:"完全一致",starts:"开头是",ends:"结尾是"}};'
    'const __aidbridgeCell=v=>typeof v=="string"&&/^\\d{{4}}-\\d\\d-\\d\\dT\\d\\d:\\d\\d/.test(v)'
    '&&/(Z|[+-]\\d\\d:?\\d\\d)$/.test(v)?new Date(v).toLocaleString("zh-CN",'
    '{{timeZone:"Asia/Shanghai",hour12:!1,year:"numeric",month:"2-digit",day:"2-digit",'
    'hour:"2-digit",minute:"2-digit"}}).replace(/\\//g,"-"):v;'
    "function __aidbridgeErrors(e,t){{"
    'if(e&&typeof e=="object"){{'
    "if(Array.isArray(e.detail))return e.detail.map(o=>o&&o.msg?String(o.msg):String(o));"
    'if(typeof e.detail=="string")return[e.detail];'
    'if(e.custom_form_error)return String(e.custom_form_error).split("\\n");'
    'if(typeof e.message=="string")return[e.message]}}'
    'return[typeof e=="string"&&e&&!/^</.test(e)?e:'
    't>=500?"服务器内部错误，请稍后再试":"请求有误，请检查后重试"]}}'
)

REWRITES: tuple[Rewrite, ...] = (
    # Table names: headings, the sidebar, the row picker.
    Rewrite(
        r'function (\w+)\(e\)\{return e\.split\("_"\)\.join\(" "\)\}',
        r'function \1(e){return __aidbridgeTables[e]??e.split("_").join(" ")}',
        pattern=True,
    ),
    Rewrite(
        'readableTableName(){return this.tableName.split("_").join(" ")}',
        "readableTableName(){return __aidbridgeTables[this.tableName]??this.tableName}",
    ),
    Rewrite(
        r'readableTableName\(\)\{return this\.tableName\?\w+\(this\.tableName\.split\("_"\)'
        r'\.join\(" "\)\):""\}',
        "readableTableName(){return this.tableName?__aidbridgeTables[this.tableName]??"
        'this.tableName:""}',
        pattern=True,
    ),
    Rewrite("`Select a row from ${e.readableTableName}`", "`从「${e.readableTableName}」中选择`"),
    # "Referencing tables": named in Chinese (the gate lists only the back office's own).
    Rewrite(
        't0("span",l9,M0(s.tableName),1),U0(" "+M0(e.$t("with a matching"))+" ",1),'
        't0("span",z9,M0(s.columnName),1)',
        't0("span",l9,M0(s.tableLabel??s.tableName),1),U0("（按"),'
        't0("span",z9,M0(s.columnLabel??s.columnName),1),U0("）")',
    ),
    # The primary key is not among a schema's properties: its title comes from ``extra``.
    Rewrite(
        "M0(e.schema.properties[m]?e.schema.properties[m].title:m)",
        "M0(e.schema.properties[m]?e.schema.properties[m].title:e.schema.extra.primary_key_title??m)",
    ),
    Rewrite(
        'Q0(e.schema.properties,(M,b)=>(Z(),p0("option",{key:b,value:b},M0(b),9,z_)))',
        'Q0(e.schema.properties,(M,b)=>(Z(),p0("option",{key:b,value:b},M0(M.title??b),9,z_)))',
    ),
    Rewrite(
        't0("label",{for:"csv_"+m},M0(m),9,kB)',
        't0("label",{for:"csv_"+m},M0(__aidbridgeColumn(O.$store.state.schema,m)),9,kB)',
    ),
    Rewrite(
        "{value:e.schema.extra.primary_key_name},M0(e.schema.extra.primary_key_name)",
        "{value:e.schema.extra.primary_key_name},M0(e.schema.extra.primary_key_title??"
        "e.schema.extra.primary_key_name)",
    ),
    # The error list: each message as the server said it.
    Rewrite(
        r"function (\w+)\(e,t\)\{return t==422\?typeof e==\"object\"\?e\.db_error\?.*?"
        r":typeof e==\"object\"\?\[JSON\.stringify\(e\)\]:\[e\]\}",
        r"function \1(e,t){return __aidbridgeErrors(e,t)}",
        pattern=True,
    ),
    # Messages.
    _said("Successfully added row", "已添加"),
    _said("Successfully saved row", "已保存"),
    _said("Successfully deleted row", "已删除", 2),
    _said("Successfully deleted rows", "已删除所选记录"),
    _said("Successfully updated rows", "已更新所选记录"),
    _said("Successfully submitted form", "已提交"),
    _said("Successfully applied filter", "已筛选"),
    _said("Successfully cleared filters", "已清除筛选条件"),
    _said("The form has errors.", "表单有误，请按提示修改。", 3),
    _said("Unable to delete the row.", "无法删除这条记录。"),
    _said("The server can't be reached - please try later.", "无法连接服务器，请稍后再试。"),
    _said("Method not supported - running in read only mode.", "不允许此操作。"),
    _said("Invalid column name or value", "筛选条件中有无效的列或取值"),
    _said("Page not found", "页面不存在", 2),
    _said("Please select at least one column.", "请至少选择一列。"),
    _said("Are you sure you want to delete this row?", "确定删除这条记录？"),
    _said("Are you sure you want to delete the selected rows?", "确定删除所选记录？"),
    _said("Are you sure you want to logout?", "确定退出登录？"),
    Rewrite("`Are you sure you want to delete row ${e}?`", "`确定删除记录 ${e}？`"),
    Rewrite(
        "`There are more than ${jz}, are you sure you want to continue?`",
        "`记录超过 ${jz} 条，确定继续？`",
    ),
    # Text on screen.
    Rewrite('U0("Error",-1)', 'U0("错误",-1)'),
    Rewrite('U0(" Add sort column",-1)', 'U0(" 添加排序列",-1)'),
    Rewrite('U0(" Columns",-1)', 'U0(" 列",-1)'),
    Rewrite('U0(" Load more",-1)', 'U0(" 加载更多",-1)'),
    Rewrite('U0("Loading ... ",-1)', 'U0("加载中…",-1)'),
    Rewrite('},"Toggle all",512)', '},"全选/全不选",512)'),
    Rewrite('},"Include readable"', '},"同时导出可读名称"'),
    Rewrite('t0("span",null,"File:",-1)', 't0("span",null,"文件：",-1)'),
    Rewrite('" Video playback not available "', '" 无法播放视频 "'),
    Rewrite('" Audio playback not available "', '" 无法播放音频 "'),
    Rewrite('t0("code",null,"NULL",-1)', 't0("span",{class:"muted"},"（空）",-1)'),
    Rewrite('"of "+M0(e.pageCount)', '"共 "+M0(e.pageCount)+" 页"'),
    Rewrite("label:`${c} per page`", "label:`每页 ${c} 条`"),
    # Before the admin's name and the site's name have loaded: blank, not English.
    Rewrite('username:{type:String,default:"Unknown"}', 'username:{type:String,default:""}'),
    Rewrite('return e?e.username:"Unknown"}', 'return e?e.username:""}', 2),
    Rewrite('siteName:{type:String,default:"Piccolo Admin"}', 'siteName:{type:String,default:""}'),
    Rewrite(
        'siteName:"Piccolo Admin",piccoloAdminVersion:"Unknown"}',
        'siteName:"",piccoloAdminVersion:""}',
    ),
    # Choices of selects.
    Rewrite('value:"all"}," All ",', 'value:"all"}," 全部 ",', 2),
    Rewrite('value:"null"}," Null ",', 'value:"null"}," （空） ",', 2),
    Rewrite('value:"true"}," True ",', 'value:"true"}," 是 ",'),
    Rewrite('value:"false"}," False ",', 'value:"false"}," 否 ",'),
    Rewrite(
        'selected:r=="contains",value:r},M0(r)',
        'selected:r=="contains",value:r},M0(__aidbridgeMatches[r]??r)',
    ),
    Rewrite('label:"Equals"', 'label:"等于"'),
    Rewrite('label:"Not Equal"', 'label:"不等于"'),
    Rewrite('label:"Less Than"', 'label:"小于"'),
    Rewrite('label:"Less Than or Equal To"', 'label:"小于或等于"'),
    Rewrite('label:"Greater Than or Equal To"', 'label:"大于或等于"'),
    Rewrite('label:"Greater Than"', 'label:"大于"'),
    Rewrite('placeholder:"Type here to filter"', 'placeholder:"输入以筛选"'),
    Rewrite(
        'placeholder(){return this.isFilter?"All":this.isNullable&&this.value===null?"NULL":""}',
        'placeholder(){return this.isFilter?"全部":this.isNullable&&this.value===null?"（空）":""}',
    ),
    Rewrite(
        'e.selectResult(null,""),["prevent"]))},"All")',
        'e.selectResult(null,""),["prevent"]))},"全部")',
    ),
    Rewrite(
        'e.selectResult(null,"Null"),["prevent"]))},"None")',
        'e.selectResult(null,"（空）"),["prevent"]))},"无")',
    ),
    Rewrite('placeholder:e.isFilter?"All":"None"', 'placeholder:e.isFilter?"全部":"无"'),
    # Tooltips.
    Rewrite('title:"View"', 'title:"查看"', 2),
    Rewrite('title:"Remove"', 'title:"移除"', 2),
    Rewrite('title:"Add"', 'title:"添加"'),
    Rewrite('title:"Delete selected Rows"', 'title:"删除所选记录"'),
    Rewrite('title:"Bulk Update"', 'title:"批量更新"'),
    Rewrite('title:"Delete Row"', 'title:"删除记录"'),
    Rewrite('title:"Edit Row"', 'title:"编辑记录"'),
    Rewrite('title:"Show password"', 'title:"显示密码"'),
    Rewrite('title:"Hide password"', 'title:"隐藏密码"'),
    Rewrite('title:"Click for more info"', 'title:"点击查看说明"'),
    Rewrite('title:"Click to toggle children."', 'title:"展开或收起"'),
    Rewrite('title:"Show tables"', 'title:"展开"'),
    Rewrite('title:"Hide tables"', 'title:"收起"'),
    Rewrite('title:"Show forms"', 'title:"展开"'),
    Rewrite('title:"Hide forms"', 'title:"收起"'),
    Rewrite('title:"Show links"', 'title:"展开"'),
    Rewrite('title:"Hide links"', 'title:"收起"'),
    Rewrite('title:"Translations"', 'title:"界面语言"'),
    # Beijing time.
    Rewrite('P1("UTC")', 'P1("Asia/Shanghai")'),
    Rewrite('localStorage.getItem(Gs)??"UTC"', 'localStorage.getItem(Gs)??"Asia/Shanghai"', 2),
    Rewrite(
        r"Q0\(le\(Oo\)\.tz\.names\(\),(\w)=>\(Z\(\),p0\(\"option\",\{value:\1,key:\1\},M0\(\1\)",
        r'Q0(["Asia/Shanghai","UTC"],\1=>(Z(),p0("option",{value:\1,key:\1},'
        r"M0(__aidbridgeZones[\1]??\1)",
        2,
        pattern=True,
    ),
    Rewrite(
        '(Z(),p0("span",D_,M0(e.abbreviate(m[g])),1))',
        '(Z(),p0("span",D_,M0(e.abbreviate(__aidbridgeCell(m[g]))),1))',
    ),
    # A password field is a password input; custom forms offer their choices as a select.
    Rewrite(
        'x0(t0("input",{type:"text",name:e.columnName,placeholder:e.placeholder,'
        '"onUpdate:modelValue":t[17]',
        'x0(t0("input",{type:e.format=="password"?"password":"text",'
        'autocomplete:e.format=="password"?"new-password":"off",name:e.columnName,'
        'placeholder:e.placeholder,"onUpdate:modelValue":t[17]',
    ),
    Rewrite(
        'format:e.getFormat(a)},null,8,["columnName","type","value","isNullable",'
        '"timeResolution","format"]',
        'format:e.getFormat(a),choices:a.extra&&a.extra.choices||null},null,8,["columnName",'
        '"type","value","isNullable","timeResolution","format","choices"]',
    ),
)


def _apply(source: str, rewrite: Rewrite) -> str:
    if rewrite.pattern:
        found = len(re.findall(rewrite.old, source, flags=re.S))
        if found != rewrite.count:
            raise BundleChanged(f"{rewrite.old!r}: {found} matches, expected {rewrite.count}")
        return re.sub(rewrite.old, rewrite.new, source, flags=re.S)
    found = source.count(rewrite.old)
    if found != rewrite.count:
        raise BundleChanged(f"{rewrite.old!r}: found {found} times, expected {rewrite.count}")
    return source.replace(rewrite.old, rewrite.new)


def localise(source: str, table_names: dict[str, str]) -> str:
    """The bundle with every rewrite applied, or ``BundleChanged``."""
    for rewrite in REWRITES:
        source = _apply(source, rewrite)
    tables = json.dumps(table_names, ensure_ascii=False, separators=(",", ":"))
    return PRELUDE.format(tables=tables) + source


def bundle_name(template: str) -> str:
    """The file name of the main script the admin page loads (``index-<hash>.js``)."""
    found = re.search(r'src="\./assets/(index-[\w-]+\.js)"', template)
    if found is None:
        raise BundleChanged("piccolo-admin's page no longer loads ./assets/index-*.js")
    return found.group(1)


def localised_bundle(template: str, table_names: dict[str, str]) -> tuple[str, bytes]:
    """(file name, localised bytes) of the bundle ``template`` loads."""
    name = bundle_name(template)
    source = (DIST / "assets" / name).read_text(encoding="utf-8")
    return name, localise(source, table_names).encode("utf-8")
