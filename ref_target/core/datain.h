/* datain: what a task sends back once the SCSI layer is done (RFC 7143
 * §11.4 SCSI Response, §11.7 Data-In): read data in Data-In PDUs no larger
 * than the initiator's MaxRecvDataSegmentLength with F at every
 * MaxBurstLength boundary, status in the last Data-In when it is good and
 * has no sense (§11.7.3), else a SCSI Response with SenseLength and sense
 * data (§11.4.7), residuals (§11.4.5).
 *
 * Owns nothing: it reads the task (its buffer, its SCSI status) and
 * writes only the task's Data-In DataSN.
 */
#ifndef RT_DATAIN_H
#define RT_DATAIN_H

struct task;

/* Send t's data and status on its connection, if it still has one in
 * full feature phase. */
void datain_respond(struct task *t);

#endif
