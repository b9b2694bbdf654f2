"""Projects: what introductions become, through the coordinators' stages, with funding and MRV."""
from datetime import date, datetime
from typing import Optional

from sqlalchemy import JSON, BigInteger, Date, DateTime, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import utcnow, VersionChecked

STAGES = ("consultation", "discovery", "planning", "feasibility", "commercialisation")
CLOSED_STAGE = "dropped"
MEMBER_ROLES = ("representative", "japanese_firm", "japanese_city", "overseas_city", "local_partner", "financier")
FUNDING_STATUSES = ("applied", "granted", "rejected")
PROJECT_FUNDING_SOURCES = ("city_to_city", "jcm_subsidy", "jica", "adb", "other")


class Project(VersionChecked, db.Model):
    """A project in the pipeline; `version` stops two coordinators overwriting each other."""

    __tablename__ = "projects"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    stage: Mapped[str] = mapped_column(String(20), default="consultation", index=True)
    drop_reason: Mapped[str] = mapped_column(Text, default="")
    introduction_id: Mapped[Optional[int]] = mapped_column(ForeignKey("introductions.id", ondelete="SET NULL"), unique=True)
    need_id: Mapped[Optional[int]] = mapped_column(ForeignKey("needs.id", ondelete="SET NULL"))
    technology_id: Mapped[Optional[int]] = mapped_column(ForeignKey("technologies.id", ondelete="SET NULL"))
    city_id: Mapped[Optional[int]] = mapped_column(ForeignKey("cities.id", ondelete="SET NULL"), index=True)
    japanese_city: Mapped[str] = mapped_column(String(120), default="")
    sector: Mapped[Optional[str]] = mapped_column(ForeignKey("sectors.code"))
    coordinator_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    expected_co2_t: Mapped[Optional[float]] = mapped_column()
    investment_jpy: Mapped[Optional[int]] = mapped_column(BigInteger)
    started_on: Mapped[Optional[date]] = mapped_column(Date)
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    co2_basis: Mapped[str] = mapped_column(String(500), default="", server_default="")
    subsidy_jpy: Mapped[Optional[int]] = mapped_column(BigInteger)
    next_step: Mapped[str] = mapped_column(String(300), default="", server_default="")
    next_step_due: Mapped[Optional[date]] = mapped_column(Date, index=True)
    next_step_owner_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    notes: Mapped[str] = mapped_column(Text, default="", server_default="")
    screening: Mapped[Optional[dict]] = mapped_column(JSON)  # the last JCM screening run from the project
    screened_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    introduction = relationship("Introduction")
    need = relationship("Need")
    technology = relationship("Technology")
    city = relationship("City")
    coordinator = relationship("User", foreign_keys=[coordinator_id])
    next_step_owner = relationship("User", foreign_keys=[next_step_owner_id])
    members = relationship("ProjectMember", back_populates="project", cascade="all, delete-orphan",
                           order_by="ProjectMember.id")
    funding = relationship("Funding", back_populates="project", cascade="all, delete-orphan", order_by="Funding.id")
    history = relationship("ProjectEvent", back_populates="project", cascade="all, delete-orphan",
                           order_by="ProjectEvent.id")
    monitoring = relationship("MonitoringRecord", back_populates="project", cascade="all, delete-orphan",
                              order_by="MonitoringRecord.year")
    documents = relationship("ProjectDocument", back_populates="project", cascade="all, delete-orphan",
                             order_by="ProjectDocument.id")

    @property
    def verified_co2_t(self) -> float:
        return sum(record.co2_t for record in self.monitoring)


class ProjectMember(db.Model):
    __tablename__ = "project_members"
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(30))
    company_id: Mapped[Optional[int]] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    city_id: Mapped[Optional[int]] = mapped_column(ForeignKey("cities.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200), default="")

    project = relationship("Project", back_populates="members")
    company = relationship("Company")
    city = relationship("City")

    @property
    def display_name(self) -> str:
        organisation = self.company or self.city
        return organisation.display_name if organisation else self.name


class Funding(db.Model):
    __tablename__ = "project_funding"
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20), default="applied")
    amount_jpy: Mapped[Optional[int]] = mapped_column(BigInteger)
    fiscal_year: Mapped[Optional[int]] = mapped_column()

    project = relationship("Project", back_populates="funding")


class ProjectEvent(db.Model):
    __tablename__ = "project_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    change: Mapped[str] = mapped_column(String(300))  # the line in English, for exports and older rows
    action: Mapped[str] = mapped_column(String(30), default="", server_default="")  # shown translated
    params: Mapped[Optional[dict]] = mapped_column(JSON)
    by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    project = relationship("Project", back_populates="history")
    by = relationship("User")


class MonitoringRecord(db.Model):
    """One year's verified CO2 reduction (MRV), with its method and evidence."""

    __tablename__ = "monitoring_records"
    __table_args__ = (UniqueConstraint("project_id", "year"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    year: Mapped[int] = mapped_column()
    co2_t: Mapped[float] = mapped_column()
    method: Mapped[str] = mapped_column(String(300), default="")
    reported_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    evidence_name: Mapped[str] = mapped_column(String(255), default="")
    evidence: Mapped[Optional[bytes]] = mapped_column(db.LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    project = relationship("Project", back_populates="monitoring")
    reported_by = relationship("User")


class ProjectDocument(db.Model):
    """A file kept with a project (a proposal, a study, a quotation); the bytes load only for a download."""

    __tablename__ = "project_documents"
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100), default="application/octet-stream")
    size: Mapped[int] = mapped_column()
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    uploaded_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    project = relationship("Project", back_populates="documents")
    uploaded_by = relationship("User")
