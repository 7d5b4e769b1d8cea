DROP TABLE card_reads;
