"""Exports of one assessment, each in its own module: the re-importable JSON document
(`document`), its import into another organisation or instance (`importer`), the CSV of the
answers (`csvfile`) and the printable HTML report (`report`). Services flush, never commit."""

from app.assessments.exports.csvfile import CSV_COLUMNS, csv_cell, export_csv, write_csv
from app.assessments.exports.document import (
    AssessmentExport,
    AssessmentImport,
    ImportedAssessment,
    export_assessment,
)
from app.assessments.exports.importer import check_export, import_assessment
from app.assessments.exports.report import (
    EvidenceFile,
    SupplierFacts,
    install_supplier_facts,
    report_html,
)

__all__ = [
    "CSV_COLUMNS",
    "AssessmentExport",
    "AssessmentImport",
    "EvidenceFile",
    "ImportedAssessment",
    "SupplierFacts",
    "check_export",
    "csv_cell",
    "export_assessment",
    "export_csv",
    "import_assessment",
    "install_supplier_facts",
    "report_html",
    "write_csv",
]
