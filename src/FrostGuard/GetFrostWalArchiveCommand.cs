using System.Management.Automation;
using FrostGuard.Engine;
using FrostGuard.Engine.Backups.Wal;
using FrostGuard.Engine.Deployments;
using FrostGuard.Hosting;

namespace FrostGuard;

/// <summary>
/// The state of continuous WAL archiving: the slot, the archiver, the archive's segments, gaps
/// and timelines, and the achieved recovery point. With -Segment, every file of the archive,
/// each checked against its name.
/// </summary>
[Cmdlet(VerbsCommon.Get, "FrostWalArchive", DefaultParameterSetName = "Status")]
[OutputType(typeof(FrostWalArchive), ParameterSetName = ["Status"])]
[OutputType(typeof(FrostWalSegment), ParameterSetName = ["Segment"])]
public sealed class GetFrostWalArchiveCommand : FrostCmdlet
{
    /// <summary>List the archive's files, each checked, instead of the summary.</summary>
    [Parameter(Mandatory = true, ParameterSetName = "Segment")]
    public SwitchParameter Segment { get; set; }

    protected override void EndProcessing()
    {
        var session = Session;
        var archiver = new WalArchiver(session);
        try
        {
            if (!Segment)
            {
                WriteObject(Await((_, ct) => archiver.StatusAsync(ct)));
                return;
            }

            var reader = new WalArchiveReader(session);
            var slot = Await((_, ct) => reader.TryReadSlotAsync(ct));
            var scan = reader.Scan(slot);
            foreach (var file in scan.Files)
            {
                WriteObject(new FrostWalSegment
                {
                    Name = file.Name.Name,
                    Kind = file.Name.Kind.ToString(),
                    Timeline = file.Name.Timeline,
                    StartLsn = file.Name.Kind == WalFileKind.History ? null : Lsn.Format(file.Name.StartLsn(scan.SegmentSize)),
                    Length = file.Length,
                    LastWriteTime = file.LastWrite,
                    IsValid = file.Problem is null,
                    Problem = file.Problem,
                });
            }
        }
        catch (FrostException e)
        {
            WriteFrostError(e);
        }
    }
}
