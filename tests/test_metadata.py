"""Metadata context and renderers: DataCite 4.5, schema.org, CFF 1.2.0, description, citations, report.

Golden files in tests/golden/metadata pin each template's output for the small workbook below
(results given by a stand-in object, file sizes fixed, so nothing but the templates and the
context moves them).  After an intended change, regenerate and review the diff:

    MBPACK_REGEN_GOLDEN=1 /work/venv/bin/python -m pytest tests/test_metadata.py -k golden
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest
import yaml
from lxml import etree
from official import bib_entry, cff_validate, datacite_errors

from mbpack.errors import MissingMetadata
from mbpack.issues import Issue, Report
from mbpack.publish import metadata
from mbpack.workbook import Workbook

HERE = Path(__file__).parent
GOLDEN = HERE / "golden" / "metadata"
NS = {"d": "http://datacite.org/schema/kernel-4"}
ORCID = "0000-0002-1825-0097"  # ORCID's documented example iD (valid checksum)

#: Three references: a paper the data belong to, a cited paper, a manual without DOI.
REFERENCES = ("IsSupplementTo: Zhang et al. 2018, J. Glaciol. 64, 689-699, doi:10.1017/jog.2018.58; "
              "Zemp et al. 2013, The Cryosphere 7, 1227-1245, https://doi.org/10.5194/tc-7-1227-2013; "
              "IsDocumentedBy: Field manual of the station (2011)")  # fmt: skip

#: Sizes of the published files [bytes], as a package would measure them.
FILES = {"data/stakes.csv": 312, "data/stake_readings.csv": 1500, "datapackage.json": 20480}


def publication_workbook(**dataset: Any) -> Workbook:
    """Two balance years, three stakes with readings, a surface grid, one ORCID author."""
    record = {
        "title": "Glacier-wide mass balance of Test Glacier, 2001-2002",
        "publisher": "Test Data Center",
        "doi": "10.5072/mbpack.test",
        "licence": "CC-BY-4.0",
        "version": "1.0",
        "publication_year": 2024,
        "keywords": "glacier mass balance; glaciological method ; Tien Shan;",
        "description": "Stake readings and glacier-wide balances of Test Glacier.",
        "data_source": "Ablation stakes read twice a year.",
        "processing_method": "Altitude-band method on a 50 m hypsometry.",
        "quality": "Glacier-wide uncertainty 200 kg m-2 a-1.",
        "language": "en",
        **dataset,
    }
    stakes = [
        {"stake_id": "S1", "x": 500.0, "y": 100.0, "latitude": 43.725, "longitude": 84.385,
         "elevation": 3550.0},
        {"stake_id": "S2", "x": 520.0, "y": 900.0, "latitude": 43.731, "longitude": 84.391,
         "elevation": 3720.0},
        {"stake_id": "S3", "x": 560.0, "y": 1800.0, "latitude": 43.738, "longitude": 84.398,
         "elevation": 3905.5},
    ]  # fmt: skip
    readings = [
        {"stake_id": s, "date": d, "exposure": e, "event": "reading"}
        for s in ("S1", "S2", "S3")
        for d, e in (("2000-08-30", 1.0), ("2001-09-01", 2.5), ("2002-09-03", 3.9))
    ]
    return Workbook.from_tables(
        {
            "glacier": {
                "name": "Test Glacier",
                "wgms_id": 9999,
                "country": "CN",
                "latitude": 43.731,
                "longitude": 84.391,
                "crs": "EPSG:32645",
                "gen_location": "Tien Shan",
                "spec_location": "Kuitun River",
                "references": REFERENCES,
            },
            "dataset": record,
            "authors": [
                {"name": "Person, Ada", "affiliation": "Institute of Glaciology", "orcid": ORCID},
                {"name": "Test Glacier Monitoring Team", "affiliation": None, "orcid": None},
            ],
            "balance_years": [
                {
                    "year": 2001,
                    "time_system": "FLO",
                    "begin_date": "2000-09-01",
                    "winter_end_date": "2001-05-10",
                    "end_date": "2001-09-01",
                },
                {
                    "year": 2002,
                    "time_system": "FLO",
                    "begin_date": "2001-09-01",
                    "winter_end_date": "2002-05-12",
                    "end_date": "2002-09-03",
                },
            ],
            "stakes": stakes,
            "stake_readings": readings,
            "surface_grid": [
                {"year": 2001, "x": 500.0, "y": y, "elevation": z}
                for y, z in ((0.0, 3512.0), (1000.0, 3760.0), (2000.0, 3980.0))
            ],
        }
    )


def stand_in_results() -> SimpleNamespace:
    """What the renderers read of :class:`mbpack.balance.compute.Results`: the glacier-wide table [kg m-2]."""
    return SimpleNamespace(
        glacier_balance=pd.DataFrame(
            {
                "year": [2001, 2002],
                "method": ["band", "band"],
                "winter_balance": [210.0, 155.0],
                "summer_balance": [-640.0, -505.0],
                "annual_balance": [-430.0, -350.0],
                "ela": [3840.0, float("nan")],
                "aar": [0.31, None],
            }
        )
    )


@pytest.fixture
def ctx() -> dict[str, Any]:
    return metadata.metadata_context(publication_workbook(), stand_in_results(), FILES)


def test_context_measures_time_altitude_extent_and_sizes(ctx: dict[str, Any]) -> None:
    # the first reading (2000-08-30) precedes the first balance year's typed begin date
    assert ctx["time"] == {"begin": "2000-08-30", "end": "2002-09-03", "first_year": 2001,
                           "last_year": 2002}  # fmt: skip
    assert ctx["altitude"] == {"min": 3512.0, "max": 3980.0}  # grid and stakes
    assert ctx["box"] == {"south": 43.725, "north": 43.738, "west": 84.385, "east": 84.398}
    assert ctx["total_size"] == "21.8 KB"  # (312 + 1500 + 20480) / 1024 = 21.77
    assert [f["size"] for f in ctx["files"]] == ["1.5 KB", "312 B", "20.0 KB"]
    assert ctx["keywords"] == ["glacier mass balance", "glaciological method", "Tien Shan"]
    assert ctx["licence_url"] == "https://creativecommons.org/licenses/by/4.0/"
    assert ctx["doi_url"] == "https://doi.org/10.5072/mbpack.test"
    assert [a["kind"] for a in ctx["authors"]] == ["Personal", "Organizational"]
    assert ctx["results"][1]["ela"] is None and ctx["results"][1]["aar"] is None
    assert ctx["results"][0]["annual_balance_unc"] is None  # absent column, filled
    assert ctx["abstract"] == "Stake readings and glacier-wide balances of Test Glacier."


def test_context_altitude_falls_back_to_the_hypsometry() -> None:
    wb = Workbook.from_tables(
        {
            "glacier": {"name": "G"},
            "hypsometry": [
                {"year": 2001, "lower_elevation": 3000.0, "upper_elevation": 3050.0, "area": 0.1},
                {"year": 2001, "lower_elevation": 3050.0, "upper_elevation": 3100.0, "area": 0.2},
            ],
        }
    )
    ctx = metadata.metadata_context(wb)
    assert ctx["altitude"] == {"min": 3000.0, "max": 3100.0}
    assert ctx["time"]["begin"] is None and ctx["box"] is None and ctx["results"] == []


def test_context_of_real_glamos_data() -> None:
    """Adlergletscher (GLAMOS, tests/data/glamos): period and altitude range measured from the data."""
    from mbpack.formats.importers import import_glamos

    wb = Workbook.from_tables(import_glamos(HERE / "data" / "glamos" / "adler_obs.dat").tables)
    ctx = metadata.metadata_context(wb)
    years = wb["balance_years"]
    assert ctx["time"]["first_year"] == int(years["year"].min())
    assert ctx["time"]["last_year"] == int(years["year"].max())
    assert ctx["time"]["begin"] == years["begin_date"].min().date().isoformat()
    assert ctx["altitude"] == {"min": 2981.0, "max": 4119.0}  # glacier min/max of the GLAMOS file


def test_the_official_xsd_accepts_datacites_example_and_rejects_a_broken_record() -> None:
    """The validator can fail: DataCite's own full example passes, the same without its
    mandatory identifier does not."""
    example = (HERE / "data" / "datacite-4.5" / "datacite-example-full-v4.xml").read_bytes()
    assert datacite_errors(example) == []
    root = etree.fromstring(example)
    root.remove(root.find("d:identifier", NS))
    assert datacite_errors(etree.tostring(root))


def test_datacite_xml_is_valid_by_the_official_xsd(ctx: dict[str, Any]) -> None:
    text = metadata.datacite_xml(ctx)
    assert datacite_errors(text) == []
    ours = etree.fromstring(text.encode())
    assert ours.xpath("//d:identifier/@identifierType", namespaces=NS) == ["DOI"]
    assert ours.xpath("//d:nameIdentifier/text()", namespaces=NS) == [f"https://orcid.org/{ORCID}"]
    assert ours.xpath("//d:date/text()", namespaces=NS) == ["2000-08-30/2002-09-03"]
    assert ours.xpath("//d:resourceType/@resourceTypeGeneral", namespaces=NS) == ["Dataset"]
    assert ours.xpath("//d:size/text()", namespaces=NS) == ["21.8 KB"]
    assert ours.xpath("//d:creatorName/@nameType", namespaces=NS) == ["Personal", "Organizational"]
    point = ours.xpath("//d:geoLocationPoint/*/text()", namespaces=NS)
    assert point == ["84.391", "43.731"]  # longitude, latitude (the XSD's order)
    box = ours.xpath("//d:geoLocationBox/*/text()", namespaces=NS)
    assert box == ["84.385", "84.398", "43.725", "43.738"]  # W, E, S, N of the stakes


def test_datacite_related_papers_subjects_languages_and_funding() -> None:
    ctx = metadata.metadata_context(
        publication_workbook(
            funding="National Natural Science Foundation of China: 41471058; Chinese Academy of Sciences",
            title_zh="测试冰川物质平衡",
            keywords_zh="冰川物质平衡; 天山",
            description_zh="测试冰川的花杆观测。",
        )
    )
    text = metadata.datacite_xml(ctx)
    assert datacite_errors(text) == []
    xml = etree.fromstring(text.encode())
    related = xml.xpath("//d:relatedIdentifier", namespaces=NS)
    assert [(r.text, r.get("relationType"), r.get("relatedIdentifierType")) for r in related] == [
        ("10.1017/jog.2018.58", "IsSupplementTo", "DOI"), ("10.5194/tc-7-1227-2013", "References", "DOI")]  # fmt: skip
    # a reference without a DOI stays as text
    assert xml.xpath("//d:description[@descriptionType='Other']/text()", namespaces=NS) == [
        "Field manual of the station (2011)"]  # fmt: skip
    schemes = xml.xpath("//d:subject/@subjectScheme", namespaces=NS)
    assert schemes == ["Fields of Science and Technology (FOS)", "GCMD Science Keywords"]
    lang = "{http://www.w3.org/XML/1998/namespace}lang"
    titles = xml.xpath("//d:title", namespaces=NS)
    assert [(t.get(lang), t.text) for t in titles] == [
        ("en", "Glacier-wide mass balance of Test Glacier, 2001-2002"), ("zh", "测试冰川物质平衡")]  # fmt: skip
    abstracts = xml.xpath("//d:description[@descriptionType='Abstract']", namespaces=NS)
    assert [a.get(lang) for a in abstracts] == ["en", "zh"]
    assert [s.text for s in xml.xpath("//d:subject[@xml:lang='zh']", namespaces=NS)] == [
        "冰川物质平衡",
        "天山",
    ]
    funders = [(f.findtext("d:funderName", namespaces=NS), f.findtext("d:awardNumber", namespaces=NS))
               for f in xml.xpath("//d:fundingReference", namespaces=NS)]  # fmt: skip
    assert funders == [("National Natural Science Foundation of China", "41471058"),
                       ("Chinese Academy of Sciences", None)]  # fmt: skip


def test_datacite_without_doi(ctx: dict[str, Any]) -> None:
    no_doi = metadata.metadata_context(publication_workbook(doi=None))
    with pytest.raises(MissingMetadata, match=r"datacite: fill dataset!doi"):
        metadata.datacite_xml(no_doi)
    text = metadata.datacite_xml(no_doi, allow_missing_doi=True)
    xml = etree.fromstring(text.encode())
    assert xml.xpath("//d:identifier/text()", namespaces=NS) == ["10.5072/mbpack.test-glacier"]
    assert datacite_errors(text) == []


def test_datacite_names_every_missing_field() -> None:
    ctx = metadata.metadata_context(publication_workbook(publisher=None, licence=None))
    with pytest.raises(MissingMetadata) as exc:
        metadata.datacite_xml(ctx)
    assert (
        str(exc.value) == "datacite: fill dataset!publisher (Publisher), dataset!licence (Rights)"
    )


def test_unknown_licence_is_written_without_spdx_uri() -> None:
    ctx = metadata.metadata_context(publication_workbook(licence="Data policy of the centre"))
    text = metadata.datacite_xml(ctx)
    rights = etree.fromstring(text.encode()).xpath("//d:rights", namespaces=NS)[0]
    assert rights.text == "Data policy of the centre" and dict(rights.attrib) == {}
    assert datacite_errors(text) == []


def test_xml_escapes_markup_in_workbook_text() -> None:
    title = "Ice <core> & \"firn\" 'layers'"
    ctx = metadata.metadata_context(publication_workbook(title=title, description="a < b & c"))
    text = metadata.datacite_xml(ctx)
    assert "Ice &lt;core&gt; &amp; &#34;firn&#34; &#39;layers&#39;" in text
    xml = etree.fromstring(text.encode())
    assert xml.xpath("//d:title/text()", namespaces=NS) == [title]
    assert xml.xpath("//d:description[@descriptionType='Abstract']/text()", namespaces=NS) == [
        "a < b & c"
    ]


def test_schemaorg(ctx: dict[str, Any]) -> None:
    doc = json.loads(metadata.schemaorg_jsonld(ctx))
    assert doc["@type"] == "Dataset" and doc["@context"] == "https://schema.org/"
    assert doc["identifier"] == "https://doi.org/10.5072/mbpack.test"
    assert doc["creator"][0] == {"@type": "Person", "@id": f"https://orcid.org/{ORCID}", "givenName": "Ada",
                                 "familyName": "Person", "name": "Person, Ada",
                                 "affiliation": {"@type": "Organization", "name": "Institute of Glaciology"}}  # fmt: skip
    assert doc["creator"][1] == {"@type": "Organization", "name": "Test Glacier Monitoring Team"}
    assert doc["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert doc["temporalCoverage"] == "2000-08-30/2002-09-03"
    assert doc["spatialCoverage"]["geo"] == [
        {"@type": "GeoCoordinates", "latitude": 43.731, "longitude": 84.391, "elevation": 3980.0},
        {"@type": "GeoShape", "box": "43.725 84.385 43.738 84.398"},
    ]
    variables = {v["name"]: v for v in doc["variableMeasured"]}
    assert list(variables) == ["winter_balance", "summer_balance", "annual_balance",
                               "annual_balance_unc", "ela", "aar", "area"]  # fmt: skip
    # UCUM syntax in unitText, UN/CEFACT common codes in unitCode (what schema.org asks for)
    assert variables["annual_balance"] == {"@type": "PropertyValue", "name": "annual_balance",
                                           "description": "Annual balance.", "unitText": "kg.m-2",
                                           "unitCode": "28"}  # fmt: skip
    assert (variables["ela"]["unitText"], variables["ela"]["unitCode"]) == ("m", "MTR")
    assert (variables["aar"]["unitText"], variables["aar"]["unitCode"]) == ("{ratio}", "C62")
    assert variables["aar"]["description"].startswith("Accumulation-area ratio")
    assert (variables["area"]["unitText"], variables["area"]["unitCode"]) == ("km2", "KMK")
    assert doc["measurementTechnique"] == [
        "glaciological method (in-situ mass-balance measurements)", "ablation-stake readings",
        "altitude-band method (glacier-wide balance)"]  # fmt: skip
    assert doc["citation"] == [
        {"@type": "CreativeWork", "@id": "https://doi.org/10.1017/jog.2018.58",
         "identifier": "https://doi.org/10.1017/jog.2018.58",
         "name": "Zhang et al. 2018, J. Glaciol. 64, 689-699, doi:10.1017/jog.2018.58"},
        {"@type": "CreativeWork", "@id": "https://doi.org/10.5194/tc-7-1227-2013",
         "identifier": "https://doi.org/10.5194/tc-7-1227-2013",
         "name": "Zemp et al. 2013, The Cryosphere 7, 1227-1245, https://doi.org/10.5194/tc-7-1227-2013"},
        {"@type": "CreativeWork", "name": "Field manual of the station (2011)"}]  # fmt: skip
    assert [d["contentUrl"] for d in doc["distribution"]] == sorted(FILES)  # relative: no base URL
    absolute = json.loads(
        metadata.schemaorg_jsonld(ctx | {"base_url": "https://data.example.org/mb/"})
    )
    assert [d["contentUrl"] for d in absolute["distribution"]] == [
        "https://data.example.org/mb/data/stake_readings.csv", "https://data.example.org/mb/data/stakes.csv",
        "https://data.example.org/mb/datapackage.json"]  # fmt: skip
    assert doc["isAccessibleForFree"] is True and doc["version"] == "1.0"


def test_schemaorg_json_survives_quotes_and_script_tags() -> None:
    title = 'A "quoted" </script> title'
    doc = json.loads(
        metadata.schemaorg_jsonld(metadata.metadata_context(publication_workbook(title=title)))
    )
    assert doc["name"] == title


def test_cff_is_valid_cff_1_2_0(ctx: dict[str, Any]) -> None:
    cff = cff_validate(metadata.citation_cff(ctx))
    assert cff["authors"] == [
        {"family-names": "Person", "given-names": "Ada", "affiliation": "Institute of Glaciology",
         "orcid": f"https://orcid.org/{ORCID}"},
        {"name": "Test Glacier Monitoring Team"},
    ]  # fmt: skip
    assert cff["type"] == "dataset" and cff["doi"] == "10.5072/mbpack.test"
    assert cff["license"] == "CC-BY-4.0" and cff["version"] == "1.0"


def test_cff_schema_rejects_a_broken_file(ctx: dict[str, Any]) -> None:
    """The schema check can fail: an ORCID without its resolver is not CFF 1.2.0."""
    import jsonschema

    cff = yaml.safe_load(metadata.citation_cff(ctx))
    cff["authors"][0]["orcid"] = ORCID
    with pytest.raises(jsonschema.ValidationError):
        cff_validate(yaml.safe_dump(cff))
    # the fault the issue found: an organisation written with name and affiliation
    cff["authors"][0] = {"name": "mbpack developers", "affiliation": "mbpack project"}
    with pytest.raises(jsonschema.ValidationError):
        cff_validate(yaml.safe_dump(cff))


def test_cff_organisations_with_affiliations_are_entities() -> None:
    wb = Workbook.from_tables({**publication_workbook().tables, "authors": [
        {"name": "mbpack developers", "affiliation": "mbpack project", "orcid": None},
        {"name": "Tianshan Glaciological Station", "affiliation": "Chinese Academy of Sciences",
         "orcid": None},
        {"name": "Li, Zhongqin", "affiliation": "Tianshan Glaciological Station", "orcid": None}]})  # fmt: skip
    cff = cff_validate(metadata.citation_cff(metadata.metadata_context(wb)))
    assert cff["authors"] == [
        {"name": "mbpack developers"}, {"name": "Tianshan Glaciological Station"},
        {"family-names": "Li", "given-names": "Zhongqin", "affiliation": "Tianshan Glaciological Station"}]  # fmt: skip
    # DataCite keeps the organisations' affiliations
    xml = etree.fromstring(metadata.datacite_xml(metadata.metadata_context(wb)).encode())
    assert xml.xpath("//d:affiliation/text()", namespaces=NS) == [
        "mbpack project", "Chinese Academy of Sciences", "Tianshan Glaciological Station"]  # fmt: skip


@pytest.mark.parametrize(
    "title",
    ['Balance: "winter" & summer', "key: value # not a comment", "- looks like a list", "yes"],
)
def test_cff_title_with_yaml_syntax_stays_data(title: str) -> None:
    cff = cff_validate(
        metadata.citation_cff(metadata.metadata_context(publication_workbook(title=title)))
    )
    assert cff["title"] == title


def test_description_layout_and_measured_facts(ctx: dict[str, Any]) -> None:
    md = metadata.description_md(ctx)
    headings = [line for line in md.splitlines() if line.startswith("## ")]
    assert headings == ["## Dataset description", "## Data source", "## Processing method", "## Data quality",
                        "## Base information", "## File naming and required software", "## Citation",
                        "## Literature to cite"]  # fmt: skip
    for row in (
        "| Time | 2000-08-30 to 2002-09-03 (balance years 2001–2002) |",
        "| Place | Test Glacier, Kuitun River, Tien Shan (43.731° N, 84.391° E) |",
        "| Altitude | 3512–3980 m a.s.l. |",
        # the box of the stakes and the glacier point (the context test above)
        "| Coverage (E/W/S/N) | E 84.398° E, W 84.385° E, S 43.725° N, N 43.738° N |",
        "| Temporal resolution | balance year, with winter and summer balances |",
        "| Spatial resolution | 3 ablation stakes |",
        "| Data size | 21.8 KB in 3 files |",
        "- Zhang et al. 2018, J. Glaciol. 64, 689-699, doi:10.1017/jog.2018.58",
        "- Field manual of the station (2011)",
        "| Coordinate system | EPSG:32645 (stake and grid coordinates); latitudes and longitudes "
        "WGS84 (EPSG:4326) |",
    ):
        assert row in md.splitlines(), row
    assert "synthetic" not in md.lower()


#: The example's Chinese fields, as a TPDC record would give them.
ZH = {"title_zh": "测试冰川物质平衡（2001-2002年）", "description_zh": "测试冰川的花杆读数和冰川物质平衡。",
      "data_source_zh": "花杆每年观测两次。", "processing_method_zh": "50 m 面积-高程分布上的高程带法。",
      "quality_zh": "冰川物质平衡不确定性 200 kg m-2 a-1。", "keywords_zh": "冰川物质平衡; 天山",
      "publisher_zh": "测试数据中心"}  # fmt: skip


def test_chinese_description_in_tpdc_order() -> None:
    ctx = metadata.metadata_context(publication_workbook(**ZH), stand_in_results(), FILES)
    md = metadata.description_zh_md(ctx)
    headings = [line for line in md.splitlines() if line.startswith("## ")]
    assert headings == ["## 数据集描述", "## 数据来源", "## 数据加工方法", "## 数据质量", "## 基本信息",
                        "## 文件命名和必需软件", "## 数据引用", "## 参考文献"]  # fmt: skip
    lines = md.splitlines()
    assert lines[0] == "# 测试冰川物质平衡（2001-2002年）"
    for text in ("测试冰川的花杆读数和冰川物质平衡。", "花杆每年观测两次。", "50 m 面积-高程分布上的高程带法。",
                 "冰川物质平衡不确定性 200 kg m-2 a-1。",
                 "| 时间 | 2000-08-30 至 2002-09-03（物质平衡年 2001–2002） |",
                 "| 海拔 | 3512–3980 m |",
                 "| 经纬度范围（东/西/南/北） | 东 84.398° E，西 84.385° E，南 43.725° N，北 43.738° N |",
                 "| 空间分辨率 | 3 根花杆 |",
                 "Person, Ada; Test Glacier Monitoring Team. 测试冰川物质平衡（2001-2002年）. 测试数据中心, 2024. "
                 "DOI: 10.5072/mbpack.test."):  # fmt: skip
        assert text in lines, text
    assert "为空" not in md  # every Chinese field given
    # both languages in the citation, TPDC order (authors. title. centre, year. DOI)
    cite = metadata.citation_txt(ctx).splitlines()
    assert cite[4] == ("Person, Ada; Test Glacier Monitoring Team. 测试冰川物质平衡（2001-2002年）. 测试数据中心, "
                       "2024. DOI: 10.5072/mbpack.test.")  # fmt: skip
    assert "Please also cite / 请同时引用:" in cite
    en = metadata.description_md(ctx)
    assert (
        en.splitlines()[2] == "测试冰川物质平衡（2001-2002年）"
    )  # the Chinese title under the English one


def test_empty_chinese_fields_say_so_and_are_not_translated(ctx: dict[str, Any]) -> None:
    md = metadata.description_zh_md(ctx)
    for field in (
        "title_zh",
        "description_zh",
        "data_source_zh",
        "processing_method_zh",
        "quality_zh",
    ):
        assert f"dataset!{field} 为空" in md, field
    assert (
        "# Glacier-wide mass balance of Test Glacier, 2001-2002" in md.splitlines()
    )  # English title kept
    assert "Stake readings and glacier-wide balances" not in md  # the English text is not copied in
    assert (
        len(metadata.citation_txt(ctx).splitlines()) == 8
    )  # no Chinese citation without a Chinese title


def test_schemaorg_and_datacite_carry_both_languages() -> None:
    ctx = metadata.metadata_context(publication_workbook(**ZH), stand_in_results(), FILES)
    doc = json.loads(metadata.schemaorg_jsonld(ctx))
    assert doc["inLanguage"] == ["en", "zh"]
    assert doc["alternateName"] == {"@language": "zh", "@value": "测试冰川物质平衡（2001-2002年）"}
    assert doc["abstract"][1] == {"@language": "zh", "@value": "测试冰川的花杆读数和冰川物质平衡。"}
    assert doc["keywords"][-2:] == ["冰川物质平衡", "天山"]
    text = metadata.datacite_xml(ctx)
    assert datacite_errors(text) == []
    xml = etree.fromstring(text.encode())
    zh = xml.xpath("//d:description[@xml:lang='zh']", namespaces=NS)
    assert [(d.get("descriptionType"), d.text) for d in zh] == [
        ("Abstract", "测试冰川的花杆读数和冰川物质平衡。"), ("Methods", "50 m 面积-高程分布上的高程带法。"),
        ("TechnicalInfo", "冰川物质平衡不确定性 200 kg m-2 a-1。")]  # fmt: skip


def test_synthetic_chinese_text_says_so_in_chinese() -> None:
    ctx = metadata.metadata_context(publication_workbook(synthetic=True, **ZH))
    assert (
        ctx["zh"]["abstract"] == "测试冰川的花杆读数和冰川物质平衡。" + metadata.SYNTHETIC_NOTE_ZH
    )
    assert metadata.SYNTHETIC_NOTE_ZH in metadata.description_zh_md(ctx)


def test_citations(ctx: dict[str, Any]) -> None:
    lines = metadata.citation_txt(ctx).splitlines()
    assert lines[0] == ("Person, Ada; Test Glacier Monitoring Team. Glacier-wide mass balance of Test Glacier, "
                        "2001-2002. Test Data Center, 2024. DOI: 10.5072/mbpack.test.")  # fmt: skip
    assert lines[1] == ""
    assert lines[2] == ("Person, A., & Test Glacier Monitoring Team. (2024). Glacier-wide mass balance of "
                        "Test Glacier, 2001-2002 (Version 1.0) [Data set]. Test Data Center. "
                        "https://doi.org/10.5072/mbpack.test")  # fmt: skip
    two = Workbook.from_tables({**publication_workbook().tables,
                                "authors": [{"name": "Person, Ada"}, {"name": "Second, B."}]})  # fmt: skip
    text = metadata.citation_txt(metadata.metadata_context(two)).splitlines()
    assert text[0].startswith("Person, Ada; Second, B. Glacier-wide")  # no doubled full stop
    assert text[2].startswith("Person, A., & Second, B. (2024). Glacier-wide")


def test_bibtex_parses_with_pybtex_persons_and_organisations(ctx: dict[str, Any]) -> None:
    """pybtex reads a person as family and given names and the organisation as one family name
    (kept whole by its double braces), not as a person with the surname "Team"."""
    for render, kind in ((metadata.citation_bib, "misc"), (metadata.biblatex_bib, "dataset")):
        entry = bib_entry(render(ctx))
        assert entry.type == kind and entry.key == "test_glacier_2024"
        assert entry.key.isascii()
        persons = [(p.last_names, p.first_names) for p in entry.persons["author"]]
        assert persons == [(["Person"], ["Ada"]), (["{Test Glacier Monitoring Team}"], [])]
        assert entry.fields["doi"] == "10.5072/mbpack.test"
        assert entry.fields["year"] == "2024"
    misc = bib_entry(metadata.citation_bib(ctx))
    assert misc.fields["howpublished"] == "Data set, Test Data Center"
    assert misc.fields["note"] == "Version 1.0."
    dataset = bib_entry(metadata.biblatex_bib(ctx))
    assert dataset.fields["publisher"] == "Test Data Center" and dataset.fields["version"] == "1.0"


def test_bibtex_key_is_plain_ascii_for_any_glacier_name() -> None:
    wb = publication_workbook()
    wb.tables["glacier"].loc[0, "name"] = "Glacier_No.51 {Ürümqi} 乌鲁木齐"
    entry = bib_entry(metadata.citation_bib(metadata.metadata_context(wb)))
    assert entry.key == "glacier_no_51_urumqi_2024"  # letters a-z and digits only


def test_bibtex_escapes_special_characters() -> None:
    ctx = metadata.metadata_context(publication_workbook(title="{Firn} 50% & ice_core #1 $x$"))
    bib = metadata.citation_bib(ctx)
    escaped = r"\textbraceleft{}Firn\textbraceright{} 50\% \& ice\_core \#1 \$x\$"
    assert f"  title        = {{{escaped}}}," in bib.splitlines()
    assert bib_entry(bib).fields["title"] == escaped


def test_synthetic_data_say_so() -> None:

    ctx = metadata.metadata_context(publication_workbook(synthetic=True))
    note = metadata.SYNTHETIC_NOTE
    assert note in metadata.description_md(ctx)
    assert note in metadata.citation_txt(ctx)
    assert bib_entry(metadata.citation_bib(ctx)).fields["note"] == f"Version 1.0. {note}"
    assert bib_entry(metadata.biblatex_bib(ctx)).fields["note"] == note
    cff = cff_validate(metadata.citation_cff(ctx))
    assert note in cff["message"] and cff["abstract"].endswith(note)
    assert json.loads(metadata.schemaorg_jsonld(ctx))["description"].endswith(note)
    xml = etree.fromstring(metadata.datacite_xml(ctx).encode())
    assert xml.xpath("//d:description[@descriptionType='Abstract']/text()", namespaces=NS)[
        0
    ].endswith(note)
    # a description that already says so is not repeated
    says = metadata.metadata_context(
        publication_workbook(synthetic=True, description="Synthetic stakes.")
    )
    assert says["abstract"] == "Synthetic stakes."


def test_report_md_counts_and_results(ctx: dict[str, Any]) -> None:
    report = Report(file="w.xlsx")
    report.add(Issue(code="out-of-range", severity="error", message="exposure 45 | out of range",
                     sheet="stake_readings", row=3, column="exposure", cell="stake_readings!C3"))  # fmt: skip
    report.add(Issue(code="layer-gap", severity="warning", message="no reading", sheet="stakes"))
    md = metadata.report_md(ctx, report)
    assert "0 rows read: **1 errors, 1 warnings**." in md
    assert "| stake_readings!C3 | error | out-of-range | exposure 45 \\| out of range |" in md
    assert "| 2001 | band | 0.21 | -0.64 | -0.43 |  | 3840 | 0.31 |" in md
    assert (
        "| 2002 | band | 0.16 | -0.51 | -0.35 |  |  |  |" in md
    )  # 155 kg m-2 → 0.16 (decimal, half up)
    assert "Not validated." in metadata.report_md(ctx)


def test_missing_targets_are_named() -> None:
    ctx = metadata.metadata_context(
        Workbook.from_tables({"glacier": {"name": "G"}, "dataset": {"title": "T"}})
    )
    assert metadata.missing("citation", ctx) == [
        "authors!name (authors)", "dataset!publisher (repository)", "dataset!publication_year (year)"]  # fmt: skip
    with pytest.raises(MissingMetadata, match=r"citation: fill authors!name"):
        metadata.citation_txt(ctx)
    with pytest.raises(MissingMetadata, match=r"schemaorg: fill dataset!description"):
        metadata.schemaorg_jsonld(ctx)
    assert metadata.description_md(ctx).startswith("# T\n")  # needs the title only


#: The Chinese fields of :data:`ZH` as the context holds them.
ZH_CONTEXT = metadata.metadata_context(publication_workbook(**ZH))["zh"]

RENDERERS: dict[str, Callable[[dict[str, Any]], str]] = {
    "datacite.xml": metadata.datacite_xml,
    "schemaorg.jsonld": metadata.schemaorg_jsonld,
    "CITATION.cff": metadata.citation_cff,
    "description.md": metadata.description_md,
    "description.zh.md": lambda c: metadata.description_zh_md(c | {"zh": ZH_CONTEXT}),
    "citation.biblatex.bib": metadata.biblatex_bib,
    "citation.txt": metadata.citation_txt,
    "citation.bib": metadata.citation_bib,
    "report.md": metadata.report_md,
}


@pytest.mark.parametrize("name", sorted(RENDERERS))  # description.zh.md with Chinese fields
def test_golden(ctx: dict[str, Any], name: str) -> None:
    text = RENDERERS[name](ctx)
    golden = GOLDEN / name
    if os.environ.get("MBPACK_REGEN_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8"), (
        f"{name} changed; regenerate with MBPACK_REGEN_GOLDEN=1 if intended (see module notes)"
    )


def test_publisher_ror_is_the_publisher_identifier() -> None:
    """dataset!publisher_ror becomes DataCite 4.5's publisherIdentifier (scheme ROR), and the
    record stays valid by the official XSD; without it the attribute is absent."""
    ror = "https://ror.org/02e5b2m23"  # a syntactically valid ROR id (0 + 6 characters + 2 digits)
    with_ror = metadata.datacite_xml(
        metadata.metadata_context(publication_workbook(publisher_ror=ror))
    )
    assert datacite_errors(with_ror) == []
    root = etree.fromstring(with_ror.encode())
    assert root.xpath("//d:publisher/@publisherIdentifier", namespaces=NS) == [ror]
    assert root.xpath("//d:publisher/@publisherIdentifierScheme", namespaces=NS) == ["ROR"]
    without = etree.fromstring(
        metadata.datacite_xml(metadata.metadata_context(publication_workbook())).encode()
    )
    assert without.xpath("//d:publisher/@publisherIdentifier", namespaces=NS) == []
