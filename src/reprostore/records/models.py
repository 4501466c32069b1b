import functools

from django.conf import settings
from django.db import connections, models
from django.db.models.functions import Substr

from reprostore.accounts.access import Level
from reprostore.lib.parameters import Kind, TypedParameter
from reprostore.lib.rows import first_instance, first_row


class ProjectQuerySet(models.QuerySet):
    def readable_by(self, user):
        """The projects `user` may read: the listing form of `access.project_level`."""
        if user.is_authenticated and user.is_superuser:
            return self
        if not user.is_authenticated:
            return self.filter(public=True)
        granted = ProjectPermission.objects.filter(user=user).values("project_id")
        return self.filter(models.Q(public=True) | models.Q(pk__in=granted))


class Project(models.Model):
    """A Sumatra project; `name` is the id the client puts in URLs."""

    name = models.TextField(unique=True)
    long_name = models.TextField(blank=True)
    description = models.TextField(blank=True)
    public = models.BooleanField(
        default=False, help_text="anyone may read; writing still needs a grant"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def display_name(self) -> str:
        return self.long_name or self.name

    def granted_level(self, user) -> str | None:
        """The level granted to `user` here (for the access policy), or None."""
        read = getattr(self, "read_with_grant_of", None)  # see `project_with_grant`
        if read is not None and read == user.pk:
            return self.grant_level
        grant = first_instance(ProjectPermission, project=self.pk, user=user.pk)
        return grant.level if grant else None


def project_with_grant(name: str, user) -> Project | None:
    """The project called `name`, with `user`'s grant on it read in the same statement, for
    `granted_level`: every Sumatra request asks both, and on PostgreSQL each statement is a
    round trip (a record PUT made twelve)."""
    if not user.is_authenticated:
        return first_instance(Project, name=name)
    sql = project_with_grant_sql(Project._default_manager.db)
    project = first_row(Project, sql, [user.pk, name], extra=("grant_level",))
    if project is not None:
        project.read_with_grant_of = user.pk
    return project


@functools.lru_cache(maxsize=4)
def project_with_grant_sql(alias: str) -> str:
    quote = connections[alias].ops.quote_name
    project, grant = Project._meta, ProjectPermission._meta
    columns = ", ".join(f"p.{quote(field.column)}" for field in project.concrete_fields)

    def grant_column(name):
        return "g." + quote(grant.get_field(name).column)

    return (
        f"SELECT {columns}, {grant_column('level')} AS grant_level "
        f"FROM {quote(project.db_table)} p LEFT JOIN {quote(grant.db_table)} g "
        f"ON {grant_column('project')} = p.{quote(project.pk.column)} "
        f"AND {grant_column('user')} = %s "
        f"WHERE p.{quote(project.get_field('name').column)} = %s LIMIT 1"
    )


class ProjectPermission(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="permissions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    level = models.CharField(max_length=5, choices=Level.choices, default=Level.READ)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "user"], name="one_grant_per_user")
        ]

    def __str__(self):
        return f"{self.user} may {self.level} {self.project}"


class Record(models.Model):
    """One Sumatra record. `body` is the JSON document as the client sent it; the other columns
    are copies of its fields for listing, ordering and queries."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="records")
    label = models.TextField()
    timestamp = models.DateTimeField()
    body = models.TextField()
    final = models.BooleanField(default=False)
    reason = models.TextField(blank=True)
    outcome = models.TextField(blank=True)
    main_file = models.TextField(blank=True)
    version = models.TextField(blank=True)
    user = models.TextField(blank=True)
    duration = models.FloatField(null=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "label"], name="one_record_per_label")
        ]
        # Newest first within a project. The label is in the index so that a project's
        # listing (records/listing.py) reads the index alone: at a million records, reading
        # each row for its label was most of the listing's cost.
        indexes = [
            models.Index(
                fields=["project", "-timestamp", "-id", "label"], name="record_newest_label"
            )
        ]

    def __str__(self):
        return f"{self.project}/{self.label}"


class RecordTag(models.Model):
    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="tag_rows")
    name = models.TextField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["record", "name"], name="one_tag_per_name")]
        indexes = [models.Index(fields=["name"], name="record_tag_name")]

    def __str__(self):
        return self.name


# How many characters of a text parameter its sort index holds.
SORT_PREFIX = 100
# The sort index holds the rows of these kinds (all of them). The records table's sort says so
# in its query; the search, which tests `kind IN (string, number, boolean)` in a correlated
# EXISTS per record, never does, so SQLite cannot pick this index for it: one that starts with
# the name makes it scan every row of that name for every record (see `record_parameter_lookup`).
SORT_INDEX_KINDS = sorted(Kind.values)


class RecordParameter(TypedParameter):
    # Queries test parameters with a correlated EXISTS per record. An index that starts with the
    # name tempts SQLite (without statistics) to scan every row of that name for every record,
    # which is quadratic: 22 s for `parameter:n > 300` on 10,000 records, 10 ms with this one.
    record = models.ForeignKey(
        Record, on_delete=models.CASCADE, related_name="parameter_rows", db_index=False
    )

    class Meta:
        indexes = [
            models.Index(fields=["record", "name"], name="record_parameter_lookup"),
            # The records table sorts by one parameter a kind at a time (web/parameter_columns.py)
            # and walks this index in order, reading only the rows of the page shown. Text is
            # indexed by its first characters: PostgreSQL refuses index entries over 2,704 bytes.
            # On PostgreSQL that text has COLLATE "C" (migration 0006 writes each database's SQL).
            models.Index(
                "name",
                "kind",
                "number",
                "boolean",
                Substr("text", 1, SORT_PREFIX),
                "record",
                name="record_parameter_sort",
                condition=models.Q(kind__in=SORT_INDEX_KINDS),
            ),  # fmt: skip
        ]


class RecordData(models.Model):
    """One file a record read (`input_data`) or wrote (`output_data`), by its digest: where one
    record's input has the digest of another's output in the same project, the second produced
    what the first read. The lineage queries (records/lineage.py) follow these rows."""

    class Role(models.TextChoices):
        INPUT = "input"
        OUTPUT = "output"

    # The (record, role) index below serves the foreign key too.
    record = models.ForeignKey(
        Record, on_delete=models.CASCADE, related_name="data_rows", db_index=False
    )
    role = models.CharField(max_length=6, choices=Role.choices)
    path = models.TextField()
    digest = models.TextField()

    class Meta:
        indexes = [
            # Lineage joins an input's digest with outputs of the same digest, and back.
            models.Index(fields=["digest", "role"], name="record_data_digest"),
            models.Index(fields=["record", "role"], name="record_data_by_record"),
        ]

    def __str__(self):
        return f"{self.record} {self.role} {self.path}"


class Revision(models.Model):
    """Every accepted write of a record, so that nothing sent is ever lost."""

    class Action(models.TextChoices):
        CREATE = "create"
        UPDATE = "update"
        FROZEN_UPDATE = "frozen-update", "update of a finished record (provenance kept)"
        DELETE = "delete"
        # Changes made on the pages (records/operations.py `do_edit_record`, `do_tag_records`):
        # only reason, outcome and tags, as smtweb allows.
        EDIT = "edit", "edit on the record page (reason, outcome, tags)"
        TAG = "tag", "tags changed with other records on the project page"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="revisions")
    record = models.ForeignKey(
        Record, null=True, blank=True, on_delete=models.SET_NULL, related_name="revisions"
    )
    label = models.TextField()
    action = models.CharField(max_length=13, choices=Action.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    body = models.TextField(blank=True, help_text="the document as sent (empty for a delete)")

    class Meta:
        indexes = [models.Index(fields=["project", "label", "created"], name="revision_history")]

    def __str__(self):
        return f"{self.action} {self.project}/{self.label} at {self.created}"


class Purge(models.Model):
    """A superuser's removal of stored content (records/purge.py), kept as the audit of it: who
    purged what and when. The content itself is gone; names are kept as text, so the entry
    outlives the project, the record and the user."""

    class What(models.TextChoices):
        RECORD = "record", "a record and every revision of it"
        REVISION = "revision", "one revision's document"

    what = models.CharField(max_length=8, choices=What.choices)
    project = models.TextField(help_text="the project's id")
    label = models.TextField()
    revision = models.BigIntegerField(null=True, blank=True, help_text="the revision purged")
    documents = models.PositiveIntegerField(help_text="how many stored documents were removed")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    purged_by = models.CharField(max_length=200, help_text="who purged, as they were known then")
    reason = models.TextField(blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self):
        target = f"revision {self.revision} of " if self.revision else ""
        return f"{self.purged_by} purged {target}{self.project}/{self.label} at {self.created}"
